CREATE TABLE "borrower_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"customer_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "borrower_tokens_secret_hash_unique" UNIQUE("secret_hash")
);
--> statement-breakpoint
CREATE TABLE "repayments" (
	"funder_id" text NOT NULL,
	"repayment_id" text NOT NULL,
	"seq" bigserial NOT NULL,
	"loan_id" text NOT NULL,
	"kind" text NOT NULL,
	"installment_no" integer,
	"amount_fen" bigint NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"request_hash" text NOT NULL,
	"response" jsonb NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "repayments_funder_id_repayment_id_pk" PRIMARY KEY("funder_id","repayment_id"),
	CONSTRAINT "repayments_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
ALTER TABLE "repayments" ADD CONSTRAINT "repayments_loan_id_booked_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."booked_loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "borrower_tokens_customer" ON "borrower_tokens" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "repayments_loan" ON "repayments" USING btree ("loan_id","seq");