CREATE TABLE "simulation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"scenario" jsonb NOT NULL,
	"compare_baseline" boolean NOT NULL,
	"report_json" text,
	"error" text,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "simulation_runs_status_created" ON "simulation_runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "simulation_runs_created" ON "simulation_runs" USING btree ("created_at");