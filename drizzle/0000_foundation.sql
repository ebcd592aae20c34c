CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"role" text NOT NULL,
	"funder_id" text,
	"customer_id" text,
	"label" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_secret_hash_unique" UNIQUE("secret_hash")
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"terms" jsonb NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"effective_to" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "funders" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"licensed_regions" jsonb NOT NULL,
	"webhook_url" text,
	"webhook_secret_enc" text,
	"transport" text NOT NULL,
	"monthly_quota_fen" bigint,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"min_amount_fen" bigint NOT NULL,
	"max_amount_fen" bigint NOT NULL,
	"terms_months" jsonb NOT NULL,
	"rate_annual_min" double precision NOT NULL,
	"rate_annual_max" double precision NOT NULL,
	"methods" jsonb NOT NULL,
	"fees" jsonb NOT NULL,
	"age_min" integer NOT NULL,
	"age_max" integer NOT NULL,
	"min_score" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"funder_id" text NOT NULL,
	"purpose" text NOT NULL,
	"data_categories" jsonb NOT NULL,
	"text_version_hash" text NOT NULL,
	"channel" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	"withdrawn_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_key" text NOT NULL,
	"name_enc" text NOT NULL,
	"id_number_enc" text NOT NULL,
	"phone_enc" text NOT NULL,
	"phone_key" text NOT NULL,
	"birth_date" date NOT NULL,
	"gender" text NOT NULL,
	"region_code" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customers_customer_key_unique" UNIQUE("customer_key")
);
--> statement-breakpoint
CREATE TABLE "application_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"status" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"term_months" integer NOT NULL,
	"purpose" text NOT NULL,
	"channel" text NOT NULL,
	"employer_enc" text,
	"monthly_income_fen" bigint NOT NULL,
	"score" integer,
	"funder_id" text,
	"product_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer NOT NULL,
	"response_body" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"aggregate_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_funder_id_funders_id_fk" FOREIGN KEY ("funder_id") REFERENCES "public"."funders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_funder_id_funders_id_fk" FOREIGN KEY ("funder_id") REFERENCES "public"."funders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_events" ADD CONSTRAINT "application_events_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_funder" ON "api_keys" USING btree ("funder_id");--> statement-breakpoint
CREATE INDEX "contracts_funder" ON "contracts" USING btree ("funder_id");--> statement-breakpoint
CREATE INDEX "products_funder" ON "products" USING btree ("funder_id");--> statement-breakpoint
CREATE INDEX "consents_customer_funder" ON "consents" USING btree ("customer_id","funder_id");--> statement-breakpoint
CREATE INDEX "application_events_app" ON "application_events" USING btree ("application_id","seq");--> statement-breakpoint
CREATE INDEX "applications_customer" ON "applications" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "applications_status" ON "applications" USING btree ("status","updated_at");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "outbox" USING btree ("seq") WHERE published_at IS NULL;