-- Sequencing by transaction id replaces the pending queue (ADR 0021), and level-0 hashes move
-- into ledger_leaves (one row per leaf instead of two). Existing rows are carried over: entries
-- already in the tree get xid 1 and every checkpoint's watermark points past them; entries still
-- queued get xid 2, so they are integrated next. Real transaction ids start at 3.
ALTER TABLE "ledger_entries" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "xid" "xid8";--> statement-breakpoint
ALTER TABLE "ledger_leaves" ADD COLUMN "leaf_hash" "bytea";--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" ADD COLUMN "watermark_xid" "xid8";--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" ADD COLUMN "watermark_seq" bigint;--> statement-breakpoint
ALTER TABLE "ledger_entries" DISABLE TRIGGER "ledger_entries_append_only";--> statement-breakpoint
ALTER TABLE "ledger_leaves" DISABLE TRIGGER "ledger_leaves_append_only";--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" DISABLE TRIGGER "ledger_checkpoints_append_only";--> statement-breakpoint
ALTER TABLE "ledger_nodes" DISABLE TRIGGER "ledger_nodes_append_only";--> statement-breakpoint
UPDATE "ledger_entries" e SET "xid" = CASE WHEN EXISTS (SELECT 1 FROM "ledger_leaves" l WHERE l."entry_id" = e."entry_id") THEN '1'::xid8 ELSE '2'::xid8 END;--> statement-breakpoint
UPDATE "ledger_leaves" l SET "leaf_hash" = e."leaf_hash" FROM "ledger_entries" e WHERE e."entry_id" = l."entry_id";--> statement-breakpoint
UPDATE "ledger_checkpoints" SET "watermark_xid" = '1'::xid8, "watermark_seq" = COALESCE((SELECT max("seq") FROM "ledger_entries" WHERE "xid" = '1'::xid8), 0);--> statement-breakpoint
DELETE FROM "ledger_nodes" WHERE "level" = 0;--> statement-breakpoint
ALTER TABLE "ledger_entries" ENABLE TRIGGER "ledger_entries_append_only";--> statement-breakpoint
ALTER TABLE "ledger_leaves" ENABLE TRIGGER "ledger_leaves_append_only";--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" ENABLE TRIGGER "ledger_checkpoints_append_only";--> statement-breakpoint
ALTER TABLE "ledger_nodes" ENABLE TRIGGER "ledger_nodes_append_only";--> statement-breakpoint
ALTER TABLE "ledger_entries" ALTER COLUMN "xid" SET DEFAULT pg_current_xact_id();--> statement-breakpoint
ALTER TABLE "ledger_entries" ALTER COLUMN "xid" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_leaves" ALTER COLUMN "leaf_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" ALTER COLUMN "watermark_xid" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_checkpoints" ALTER COLUMN "watermark_seq" SET NOT NULL;--> statement-breakpoint
DROP TABLE "ledger_pending" CASCADE;--> statement-breakpoint
CREATE INDEX "ledger_entries_sequence" ON "ledger_entries" USING btree ("xid","seq");
