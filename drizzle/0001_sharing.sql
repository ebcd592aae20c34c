CREATE TABLE "contact_events" (
	"id" text PRIMARY KEY NOT NULL,
	"provider_event_id" text NOT NULL,
	"relay_address" text NOT NULL,
	"lease_id" text,
	"funder_id" text,
	"customer_id" text,
	"application_id" text,
	"channel" text NOT NULL,
	"caller_key" text NOT NULL,
	"summary" text NOT NULL,
	"category" text,
	"verdict" text NOT NULL,
	"reason" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "contact_events_provider_event_id_unique" UNIQUE("provider_event_id")
);
--> statement-breakpoint
CREATE TABLE "prescreen_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"key_id" text NOT NULL,
	"element_count" bigint NOT NULL,
	"sha256" text NOT NULL,
	"data" "bytea" NOT NULL,
	"endpoint_url" text NOT NULL,
	"endpoint_token_enc" text,
	"uploaded_at" timestamp with time zone NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "relay_leases" (
	"id" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"provider" text NOT NULL,
	"customer_id" text NOT NULL,
	"funder_id" text NOT NULL,
	"leased_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "relay_pool" (
	"address" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"added_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shares" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"application_id" text NOT NULL,
	"stage" text NOT NULL,
	"customer_ref" text NOT NULL,
	"application_ref" text NOT NULL,
	"fields" jsonb NOT NULL,
	"payload_hash" text NOT NULL,
	"consent_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"exposure_entry_id" text NOT NULL,
	"shared_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sharing_policies" (
	"funder_id" text PRIMARY KEY NOT NULL,
	"policy" jsonb NOT NULL,
	"version" integer NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "contact_events_funder_verdict" ON "contact_events" USING btree ("funder_id","verdict","occurred_at");--> statement-breakpoint
CREATE INDEX "contact_events_customer" ON "contact_events" USING btree ("customer_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "prescreen_sets_live_funder" ON "prescreen_sets" USING btree ("funder_id") WHERE retired_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "relay_leases_live_address" ON "relay_leases" USING btree ("address") WHERE released_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "relay_leases_live_pair" ON "relay_leases" USING btree ("customer_id","funder_id","channel") WHERE released_at IS NULL;--> statement-breakpoint
CREATE INDEX "relay_leases_address" ON "relay_leases" USING btree ("address","leased_at");--> statement-breakpoint
CREATE INDEX "relay_pool_free" ON "relay_pool" USING btree ("channel","status","address");--> statement-breakpoint
CREATE INDEX "shares_funder_customer_ref" ON "shares" USING btree ("funder_id","customer_ref");--> statement-breakpoint
CREATE INDEX "shares_funder_application_ref" ON "shares" USING btree ("funder_id","application_ref");--> statement-breakpoint
CREATE INDEX "shares_customer_funder" ON "shares" USING btree ("customer_id","funder_id","shared_at");