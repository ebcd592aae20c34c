CREATE TABLE "booked_loans" (
	"application_id" text PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"funder_id" text NOT NULL,
	"product_id" text NOT NULL,
	"principal_fen" bigint NOT NULL,
	"term_months" integer NOT NULL,
	"rate_annual" double precision NOT NULL,
	"method" text NOT NULL,
	"apr_nominal" double precision NOT NULL,
	"apr_effective" double precision NOT NULL,
	"schedule" jsonb NOT NULL,
	"totals" jsonb NOT NULL,
	"booked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "booked_loans_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "routing_customer_funders" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"booked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_decisions" (
	"application_id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"score" integer NOT NULL,
	"score_source" text NOT NULL,
	"band" text NOT NULL,
	"offers" jsonb NOT NULL,
	"explanations" jsonb NOT NULL,
	"last_funder_id" text,
	"seed" bigint NOT NULL,
	"phase" text NOT NULL,
	"mode" text,
	"plan" jsonb,
	"approved_at" timestamp with time zone,
	"decided_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_dispatches" (
	"id" text PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"funder_id" text NOT NULL,
	"product_id" text NOT NULL,
	"adapter" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"decision" jsonb,
	"band" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "routing_dispatches_app_funder" UNIQUE("application_id","funder_id")
);
--> statement-breakpoint
CREATE TABLE "routing_funder_settings" (
	"funder_id" text PRIMARY KEY NOT NULL,
	"trust" double precision NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "routing_funder_settings_trust" CHECK ("routing_funder_settings"."trust" >= 0 AND "routing_funder_settings"."trust" <= 1)
);
--> statement-breakpoint
CREATE TABLE "routing_funder_usage" (
	"funder_id" text NOT NULL,
	"month" text NOT NULL,
	"booked_fen" bigint DEFAULT 0 NOT NULL,
	"exposure" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"decided" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "routing_funder_usage_funder_id_month_pk" PRIMARY KEY("funder_id","month")
);
--> statement-breakpoint
CREATE INDEX "booked_loans_customer" ON "booked_loans" USING btree ("customer_id","booked_at");--> statement-breakpoint
CREATE INDEX "booked_loans_funder" ON "booked_loans" USING btree ("funder_id","booked_at");--> statement-breakpoint
CREATE INDEX "routing_decisions_phase" ON "routing_decisions" USING btree ("phase","approved_at");--> statement-breakpoint
CREATE INDEX "routing_dispatches_status" ON "routing_dispatches" USING btree ("status","created_at");