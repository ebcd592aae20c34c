-- Indexes for the dashboard reads (ADR 0100, 0101): keyset pages of applications by (submitted, id),
-- by status or funder; approvals, bookings, decisions, exposures and service fees in a window.
CREATE INDEX "application_events_to_status" ON "application_events" USING btree ("to_status","at");--> statement-breakpoint
CREATE INDEX "applications_submitted" ON "applications" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "applications_status_submitted" ON "applications" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "applications_funder_submitted" ON "applications" USING btree ("funder_id","created_at","id");--> statement-breakpoint
CREATE INDEX "booked_loans_booked_at" ON "booked_loans" USING btree ("booked_at");--> statement-breakpoint
CREATE INDEX "routing_dispatches_decided" ON "routing_dispatches" USING btree ("decided_at");--> statement-breakpoint
CREATE INDEX "shares_shared_at" ON "shares" USING btree ("shared_at");--> statement-breakpoint
CREATE INDEX "settlement_postings_kind_created" ON "settlement_postings" USING btree ("kind","created_at");