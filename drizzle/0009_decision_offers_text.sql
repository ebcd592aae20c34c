-- Stored offers become compact JSON text (src/routing/offers-codec.ts); rows written before keep
-- their JSON array of full offer objects, which decodeOffers still reads.
ALTER TABLE "routing_decisions" ALTER COLUMN "offers" SET DATA TYPE text USING "offers"::text;
