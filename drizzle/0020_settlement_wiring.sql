-- Settlement wired to its sources (ADR 0091-0093): collections keyed per funder as repayments are,
-- with the fee and principal parts beside the interest; termination triggers and their lifts.
CREATE TABLE "settlement_terminations" (
	"id" text PRIMARY KEY NOT NULL,
	"funder_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"finding_id" text NOT NULL,
	"findings" integer NOT NULL,
	"threshold" integer NOT NULL,
	"window_days" integer NOT NULL,
	"triggered_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"lifted_at" timestamp with time zone,
	"lifted_by" text,
	"lift_reason" text,
	CONSTRAINT "settlement_terminations_status" CHECK ("settlement_terminations"."status" IN ('in-force', 'lifted')),
	CONSTRAINT "settlement_terminations_lifted" CHECK (("settlement_terminations"."status" = 'lifted') = ("settlement_terminations"."lifted_at" IS NOT NULL AND "settlement_terminations"."lifted_by" IS NOT NULL AND "settlement_terminations"."lift_reason" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "settlement_collections" DROP CONSTRAINT "settlement_collections_pkey";--> statement-breakpoint
ALTER TABLE "settlement_collections" ADD CONSTRAINT "settlement_collections_funder_id_repayment_id_pk" PRIMARY KEY("funder_id","repayment_id");--> statement-breakpoint
ALTER TABLE "settlement_collections" ADD COLUMN "fee_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "settlement_collections" ADD COLUMN "principal_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_terminations_finding" ON "settlement_terminations" USING btree ("funder_id","finding_id");--> statement-breakpoint
CREATE INDEX "settlement_terminations_funder" ON "settlement_terminations" USING btree ("funder_id","triggered_at");--> statement-breakpoint
ALTER TABLE "settlement_collections" ADD CONSTRAINT "settlement_collections_parts" CHECK ("settlement_collections"."fee_fen" >= 0 AND "settlement_collections"."interest_fen" >= 0 AND "settlement_collections"."principal_fen" >= 0);