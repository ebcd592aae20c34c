-- Exposure budgets as a share of each funder's own flow (ADR 0073): per month and band, the
-- applications for which the funder had an otherwise-eligible offer. Rows from before it get their
-- exposure as flow: every application shared with a funder was otherwise eligible for it, so that
-- is the one lower bound known (the month of the upgrade starts stricter, never looser).
ALTER TABLE "routing_funder_usage" ADD COLUMN "flow" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
UPDATE "routing_funder_usage" SET "flow" = "exposure";
