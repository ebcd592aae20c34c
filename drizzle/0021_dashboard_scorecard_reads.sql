-- The funders page's reads as index ranges (ADR 0104): applications carry their approval time, a
-- customer's first loan and its return are kept in customer_first_loans, both by triggers; covering indexes.
CREATE TABLE "customer_first_loans" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"funder_id" text NOT NULL,
	"booked_at" timestamp with time zone NOT NULL,
	"repeat_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "routing_dispatches_decided";--> statement-breakpoint
DROP INDEX "shares_shared_at";--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "approved_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "customer_first_loans_booked" ON "customer_first_loans" USING btree ("booked_at","funder_id","repeat_at");--> statement-breakpoint
CREATE INDEX "applications_approved" ON "applications" USING btree ("approved_at","funder_id","status") WHERE "applications"."approved_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "routing_dispatches_decided_funder_status" ON "routing_dispatches" USING btree ("decided_at","funder_id","status");--> statement-breakpoint
CREATE INDEX "shares_shared_funder_stage" ON "shares" USING btree ("shared_at","funder_id","stage");--> statement-breakpoint
-- An application's approval time, from its history: every writer of application_events keeps it.
CREATE OR REPLACE FUNCTION intake_record_approval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE applications SET approved_at = NEW.at
   WHERE id = NEW.application_id AND (approved_at IS NULL OR approved_at > NEW.at);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER application_events_approval AFTER INSERT ON application_events FOR EACH ROW WHEN (NEW.to_status = 'approved') EXECUTE FUNCTION intake_record_approval();
--> statement-breakpoint
-- A customer's first loan by (booked_at, id) and the time of the next: one upsert per loan, in any
-- arrival order (a loan earlier than the recorded first becomes the first; the old first's time is
-- then the next), and concurrent loans of one customer serialise on its row.
CREATE OR REPLACE FUNCTION intake_record_first_loan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_first_loans AS f (customer_id, loan_id, funder_id, booked_at, repeat_at)
  VALUES (NEW.customer_id, NEW.id, NEW.funder_id, NEW.booked_at, NULL)
  ON CONFLICT (customer_id) DO UPDATE SET
    loan_id = CASE WHEN (EXCLUDED.booked_at, EXCLUDED.loan_id) < (f.booked_at, f.loan_id) THEN EXCLUDED.loan_id ELSE f.loan_id END,
    funder_id = CASE WHEN (EXCLUDED.booked_at, EXCLUDED.loan_id) < (f.booked_at, f.loan_id) THEN EXCLUDED.funder_id ELSE f.funder_id END,
    booked_at = CASE WHEN (EXCLUDED.booked_at, EXCLUDED.loan_id) < (f.booked_at, f.loan_id) THEN EXCLUDED.booked_at ELSE f.booked_at END,
    repeat_at = CASE WHEN (EXCLUDED.booked_at, EXCLUDED.loan_id) < (f.booked_at, f.loan_id) THEN f.booked_at
                     ELSE LEAST(COALESCE(f.repeat_at, EXCLUDED.booked_at), EXCLUDED.booked_at) END;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER booked_loans_first_loan AFTER INSERT ON booked_loans FOR EACH ROW EXECUTE FUNCTION intake_record_first_loan();
--> statement-breakpoint
-- backfill: approval times from the history
UPDATE applications a SET approved_at = e.at
  FROM (SELECT application_id, min(at) AS at FROM application_events WHERE to_status = 'approved' GROUP BY application_id) e
 WHERE a.id = e.application_id;
--> statement-breakpoint
-- backfill: each customer's first loan and the next one's time
INSERT INTO customer_first_loans (customer_id, loan_id, funder_id, booked_at, repeat_at)
SELECT customer_id, id, funder_id, booked_at, next_at FROM (
  SELECT customer_id, id, funder_id, booked_at,
    lead(booked_at) OVER w AS next_at, row_number() OVER w AS n
  FROM booked_loans WINDOW w AS (PARTITION BY customer_id ORDER BY booked_at, id)) s
WHERE n = 1;
