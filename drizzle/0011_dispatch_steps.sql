-- Dispatch as a persisted step machine (ADR 0035): the per-application step cursor, and the sealed
-- message a resumed send repeats.
CREATE TABLE "routing_dispatch_steps" (
	"application_id" text PRIMARY KEY NOT NULL,
	"step" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"owner" text,
	"due_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "routing_dispatches" ADD COLUMN "message_sealed" text;--> statement-breakpoint
CREATE INDEX "routing_dispatch_steps_due" ON "routing_dispatch_steps" USING btree ("due_at");--> statement-breakpoint
-- Applications a crash left dispatching before this migration get a step row, due since their
-- decision row last changed (so at once): the sweeper works out the real next step from their
-- dispatch rows (ADR 0035).
INSERT INTO "routing_dispatch_steps" ("application_id", "step", "attempts", "owner", "due_at", "updated_at")
SELECT "application_id", 'prepare', 0, NULL, "updated_at", "updated_at" FROM "routing_decisions" WHERE "phase" = 'dispatching'
ON CONFLICT DO NOTHING;
