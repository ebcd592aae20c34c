CREATE TABLE "canaries" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"status" text NOT NULL,
	"band" text NOT NULL,
	"region_code" text NOT NULL,
	"employer_is_platform_or_partner" boolean NOT NULL,
	"dedicated_funder_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "canary_budgets" (
	"month" text PRIMARY KEY NOT NULL,
	"budget_fen" bigint NOT NULL,
	"cost_per_placement_fen" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "canary_contact_points" (
	"id" text PRIMARY KEY NOT NULL,
	"canary_id" text NOT NULL,
	"channel" text NOT NULL,
	"address_enc" text NOT NULL,
	"address_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "canary_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"canary_id" text NOT NULL,
	"contact_point_id" text NOT NULL,
	"source_id" text NOT NULL,
	"report_hash" text NOT NULL,
	"channel" text NOT NULL,
	"category" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"summary" text NOT NULL,
	"attributed" boolean NOT NULL,
	"funder_id" text,
	"reason" text,
	"exposure_entry_id" text,
	"customer_ref" text,
	"exposed_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "canary_placements" (
	"id" text PRIMARY KEY NOT NULL,
	"canary_id" text NOT NULL,
	"funder_id" text NOT NULL,
	"month" text NOT NULL,
	"cost_fen" bigint NOT NULL,
	"application_id" text,
	"placed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "canary_contact_points" ADD CONSTRAINT "canary_contact_points_canary_id_canaries_id_fk" FOREIGN KEY ("canary_id") REFERENCES "public"."canaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canary_contacts" ADD CONSTRAINT "canary_contacts_canary_id_canaries_id_fk" FOREIGN KEY ("canary_id") REFERENCES "public"."canaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canary_placements" ADD CONSTRAINT "canary_placements_canary_id_canaries_id_fk" FOREIGN KEY ("canary_id") REFERENCES "public"."canaries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "canaries_customer" ON "canaries" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "canaries_status" ON "canaries" USING btree ("status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "canary_contact_points_key" ON "canary_contact_points" USING btree ("address_key");--> statement-breakpoint
CREATE INDEX "canary_contact_points_canary" ON "canary_contact_points" USING btree ("canary_id");--> statement-breakpoint
CREATE UNIQUE INDEX "canary_contacts_source" ON "canary_contacts" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "canary_contacts_funder" ON "canary_contacts" USING btree ("funder_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "canary_placements_canary_month" ON "canary_placements" USING btree ("canary_id","month");--> statement-breakpoint
CREATE INDEX "canary_placements_month" ON "canary_placements" USING btree ("month");