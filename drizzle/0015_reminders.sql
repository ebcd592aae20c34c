CREATE TABLE "reminder_cancellations" (
	"loan_id" text NOT NULL,
	"installment_no" integer NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "reminder_cancellations_loan_id_installment_no_pk" PRIMARY KEY("loan_id","installment_no")
);
--> statement-breakpoint
CREATE TABLE "reminder_deliveries" (
	"reminder_key" text NOT NULL,
	"channel" text NOT NULL,
	"customer_id" text NOT NULL,
	"adapter" text NOT NULL,
	"state" text NOT NULL,
	"message" jsonb NOT NULL,
	"provider_message_id" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reminder_deliveries_reminder_key_channel_pk" PRIMARY KEY("reminder_key","channel")
);
--> statement-breakpoint
CREATE TABLE "reminder_settings" (
	"customer_id" text NOT NULL,
	"channel" text NOT NULL,
	"enabled" boolean NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reminder_settings_customer_id_channel_pk" PRIMARY KEY("customer_id","channel")
);
--> statement-breakpoint
CREATE TABLE "reminders" (
	"key" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"installment_no" integer NOT NULL,
	"offset_days" integer NOT NULL,
	"kind" text NOT NULL,
	"due_on" date NOT NULL,
	"amount_fen" bigint NOT NULL,
	"send_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "reminder_deliveries_sending" ON "reminder_deliveries" USING btree ("updated_at") WHERE state = 'sending';--> statement-breakpoint
CREATE INDEX "reminder_deliveries_customer" ON "reminder_deliveries" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "reminders_pending" ON "reminders" USING btree ("send_at","key") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "reminders_loan" ON "reminders" USING btree ("loan_id","installment_no");--> statement-breakpoint
CREATE INDEX "reminders_customer" ON "reminders" USING btree ("customer_id","send_at");