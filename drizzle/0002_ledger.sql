CREATE TABLE "ledger_checkpoints" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"note" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_cosignatures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tree_size" bigint NOT NULL,
	"funder_id" text NOT NULL,
	"verifier_key" text NOT NULL,
	"line" text NOT NULL,
	"cosigned_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"entry_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"funder_id" text,
	"customer_id" text,
	"body" text NOT NULL,
	"leaf_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger_leaves" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	CONSTRAINT "ledger_leaves_entry_id_unique" UNIQUE("entry_id")
);
--> statement-breakpoint
CREATE TABLE "ledger_nodes" (
	"level" integer NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "ledger_nodes_level_idx_pk" PRIMARY KEY("level","idx")
);
--> statement-breakpoint
CREATE TABLE "ledger_pending" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	CONSTRAINT "ledger_pending_entry_id_unique" UNIQUE("entry_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_cosignatures_tree_key" ON "ledger_cosignatures" USING btree ("tree_size","verifier_key");--> statement-breakpoint
CREATE INDEX "ledger_cosignatures_funder" ON "ledger_cosignatures" USING btree ("funder_id","tree_size");--> statement-breakpoint
CREATE INDEX "ledger_entries_funder" ON "ledger_entries" USING btree ("funder_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_customer" ON "ledger_entries" USING btree ("customer_id");