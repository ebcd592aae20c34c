-- The funders page's counts per funder per Asia/Shanghai day (ADR 0104), kept by triggers on each
-- fact's table in the fact's own transaction (a row's old contribution out, its new one in); backfilled.
CREATE TABLE "dashboard_funder_days" (
	"day" integer NOT NULL,
	"funder_id" text NOT NULL,
	"slot" smallint NOT NULL,
	"exposures" integer DEFAULT 0 NOT NULL,
	"approved_decisions" integer DEFAULT 0 NOT NULL,
	"declined_decisions" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"confirmed" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"first_borrowers" integer DEFAULT 0 NOT NULL,
	"repeat_borrowers" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "dashboard_funder_days_day_funder_id_slot_pk" PRIMARY KEY("day","funder_id","slot")
);
--> statement-breakpoint
-- Add one row's contribution (or, negated, take it back) to its funder's day, in a slot no other open
-- transaction holds: the first of 64 whose advisory lock this transaction can take without waiting
-- (re-entrant: its own slots pass). So a writer never waits on another's counter row, and no lock
-- order between funders can deadlock; a read sums the slots (about as many as the peak concurrency).
CREATE OR REPLACE FUNCTION dashboard_bump(p_funder text, p_at timestamptz, p_sign int, p_exposures int,
  p_approved_decisions int, p_declined_decisions int, p_approved int, p_confirmed int, p_abandoned int,
  p_firsts int, p_repeats int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_day int;
  v_slot int := 0;
BEGIN
  IF p_funder IS NULL OR p_at IS NULL OR (p_exposures + p_approved_decisions + p_declined_decisions
     + p_approved + p_confirmed + p_abandoned + p_firsts + p_repeats) = 0 THEN
    RETURN;
  END IF;
  v_day := floor((extract(epoch from p_at) + 28800) / 86400)::int;
  WHILE v_slot < 63 AND NOT pg_try_advisory_xact_lock(hashtext('dashboard_funder_days/' || p_funder), v_day * 64 + v_slot) LOOP
    v_slot := v_slot + 1;
  END LOOP;
  INSERT INTO dashboard_funder_days AS d (day, funder_id, slot, exposures, approved_decisions,
    declined_decisions, approved, confirmed, abandoned, first_borrowers, repeat_borrowers)
  VALUES (v_day, p_funder, v_slot::smallint,
    p_sign * p_exposures, p_sign * p_approved_decisions, p_sign * p_declined_decisions, p_sign * p_approved,
    p_sign * p_confirmed, p_sign * p_abandoned, p_sign * p_firsts, p_sign * p_repeats)
  ON CONFLICT (day, funder_id, slot) DO UPDATE SET
    exposures = d.exposures + EXCLUDED.exposures,
    approved_decisions = d.approved_decisions + EXCLUDED.approved_decisions,
    declined_decisions = d.declined_decisions + EXCLUDED.declined_decisions,
    approved = d.approved + EXCLUDED.approved,
    confirmed = d.confirmed + EXCLUDED.confirmed,
    abandoned = d.abandoned + EXCLUDED.abandoned,
    first_borrowers = d.first_borrowers + EXCLUDED.first_borrowers,
    repeat_borrowers = d.repeat_borrowers + EXCLUDED.repeat_borrowers;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_count_share() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.stage = 'application' THEN
    PERFORM dashboard_bump(OLD.funder_id, OLD.shared_at, -1, 1, 0, 0, 0, 0, 0, 0, 0);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.stage = 'application' THEN
    PERFORM dashboard_bump(NEW.funder_id, NEW.shared_at, 1, 1, 0, 0, 0, 0, 0, 0, 0);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER shares_dashboard AFTER INSERT OR DELETE OR UPDATE OF stage, funder_id, shared_at ON shares FOR EACH ROW EXECUTE FUNCTION dashboard_count_share();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_count_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM dashboard_bump(OLD.funder_id, OLD.decided_at, -1, 0,
      (OLD.status IN ('approved', 'superseded'))::int, (OLD.status = 'declined')::int, 0, 0, 0, 0, 0);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM dashboard_bump(NEW.funder_id, NEW.decided_at, 1, 0,
      (NEW.status IN ('approved', 'superseded'))::int, (NEW.status = 'declined')::int, 0, 0, 0, 0, 0);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER routing_dispatches_dashboard AFTER INSERT OR DELETE OR UPDATE OF status, decided_at, funder_id ON routing_dispatches FOR EACH ROW EXECUTE FUNCTION dashboard_count_dispatch();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_count_approval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM dashboard_bump(OLD.funder_id, OLD.approved_at, -1, 0, 0, 0, 1,
      (OLD.status IN ('confirmed', 'booked'))::int, (OLD.status IN ('abandoned', 'expired'))::int, 0, 0);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM dashboard_bump(NEW.funder_id, NEW.approved_at, 1, 0, 0, 0, 1,
      (NEW.status IN ('confirmed', 'booked'))::int, (NEW.status IN ('abandoned', 'expired'))::int, 0, 0);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER applications_dashboard AFTER INSERT OR DELETE OR UPDATE OF approved_at, status, funder_id ON applications FOR EACH ROW EXECUTE FUNCTION dashboard_count_approval();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_count_first_loan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM dashboard_bump(OLD.funder_id, OLD.booked_at, -1, 0, 0, 0, 0, 0, 0, 1, (OLD.repeat_at IS NOT NULL)::int);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM dashboard_bump(NEW.funder_id, NEW.booked_at, 1, 0, 0, 0, 0, 0, 0, 1, (NEW.repeat_at IS NOT NULL)::int);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER customer_first_loans_dashboard AFTER INSERT OR DELETE OR UPDATE ON customer_first_loans FOR EACH ROW EXECUTE FUNCTION dashboard_count_first_loan();
--> statement-breakpoint
-- backfill: every existing fact's contribution, in slot 0
INSERT INTO dashboard_funder_days (day, funder_id, slot, exposures, approved_decisions, declined_decisions,
  approved, confirmed, abandoned, first_borrowers, repeat_borrowers)
SELECT day, funder_id, 0, sum(e), sum(ad), sum(dd), sum(a), sum(c), sum(ab), sum(fb), sum(rb) FROM (
  SELECT floor((extract(epoch from shared_at) + 28800) / 86400)::int AS day, funder_id,
    1 AS e, 0 AS ad, 0 AS dd, 0 AS a, 0 AS c, 0 AS ab, 0 AS fb, 0 AS rb
    FROM shares WHERE stage = 'application'
  UNION ALL
  SELECT floor((extract(epoch from decided_at) + 28800) / 86400)::int, funder_id, 0,
    (status IN ('approved', 'superseded'))::int, (status = 'declined')::int, 0, 0, 0, 0, 0
    FROM routing_dispatches WHERE decided_at IS NOT NULL AND status IN ('approved', 'superseded', 'declined')
  UNION ALL
  SELECT floor((extract(epoch from approved_at) + 28800) / 86400)::int, funder_id, 0, 0, 0, 1,
    (status IN ('confirmed', 'booked'))::int, (status IN ('abandoned', 'expired'))::int, 0, 0
    FROM applications WHERE approved_at IS NOT NULL AND funder_id IS NOT NULL
  UNION ALL
  SELECT floor((extract(epoch from booked_at) + 28800) / 86400)::int, funder_id, 0, 0, 0, 0, 0, 0, 1,
    (repeat_at IS NOT NULL)::int
    FROM customer_first_loans) facts
GROUP BY day, funder_id;
