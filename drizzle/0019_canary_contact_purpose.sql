-- Canary contacts keep sharing's contact-purpose verdict (ADR 0077): only an out-of-purpose contact at a
-- canary's contact point is evidence; a funder verifying the application it was sent is not.
ALTER TABLE "canary_contacts" ADD COLUMN "purpose_verdict" text;--> statement-breakpoint
ALTER TABLE "canary_contacts" ADD COLUMN "purpose_reason" text;