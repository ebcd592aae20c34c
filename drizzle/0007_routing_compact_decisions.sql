CREATE TABLE "routing_catalog_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"products" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "routing_decisions" ALTER COLUMN "explanations" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD COLUMN "catalog_version" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD COLUMN "outcomes" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_decisions" ADD COLUMN "features" jsonb DEFAULT '{"ageYears":0,"regionCode":"","amountFen":0,"termMonths":0}'::jsonb NOT NULL;