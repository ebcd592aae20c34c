-- Detection storage (ADR 0076): the evidence register (idempotent on kind and source), institution
-- aliases, staff contact points (keyed hashes only), credit reports received, levels and their changes.
CREATE TABLE "detection_credit_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"report_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"authorisation_ref" text NOT NULL,
	"generated_on" text NOT NULL,
	"account_count" integer NOT NULL,
	"query_count" integer NOT NULL,
	"unmatched_institutions" jsonb NOT NULL,
	"received_by" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detection_evidence" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"funder_id" text,
	"customer_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"proves" text NOT NULL,
	"detail" jsonb NOT NULL,
	"exposure_entry_id" text,
	"status" text NOT NULL,
	CONSTRAINT "detection_evidence_status" CHECK ("detection_evidence"."status" IN ('attributed', 'explained') OR ("detection_evidence"."status" = 'unattributed' AND "detection_evidence"."funder_id" IS NULL)),
	CONSTRAINT "detection_evidence_attributed" CHECK ("detection_evidence"."status" <> 'attributed' OR "detection_evidence"."funder_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "detection_institution_aliases" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"normalised" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detection_level_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"from_level" text NOT NULL,
	"level" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detection_levels" (
	"funder_id" text PRIMARY KEY NOT NULL,
	"level" text NOT NULL,
	"change_id" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "detection_levels_level" CHECK ("detection_levels"."level" IN ('none', 'watch', 'suspect', 'confirmed'))
);
--> statement-breakpoint
CREATE TABLE "detection_staff_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"address_key" text NOT NULL,
	"channel" text NOT NULL,
	"owner" text NOT NULL,
	"label" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "detection_credit_reports_report" ON "detection_credit_reports" USING btree ("report_id");--> statement-breakpoint
CREATE INDEX "detection_credit_reports_customer" ON "detection_credit_reports" USING btree ("customer_id","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "detection_evidence_kind_source" ON "detection_evidence" USING btree ("kind","source");--> statement-breakpoint
CREATE INDEX "detection_evidence_funder" ON "detection_evidence" USING btree ("funder_id","occurred_at");--> statement-breakpoint
CREATE INDEX "detection_evidence_customer" ON "detection_evidence" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "detection_institution_aliases_key" ON "detection_institution_aliases" USING btree ("kind","normalised");--> statement-breakpoint
CREATE INDEX "detection_institution_aliases_funder" ON "detection_institution_aliases" USING btree ("funder_id");--> statement-breakpoint
CREATE INDEX "detection_level_changes_funder" ON "detection_level_changes" USING btree ("funder_id","at");--> statement-breakpoint
CREATE INDEX "detection_levels_changed" ON "detection_levels" USING btree ("changed_at","funder_id");--> statement-breakpoint
CREATE UNIQUE INDEX "detection_staff_contacts_address" ON "detection_staff_contacts" USING btree ("address_key");