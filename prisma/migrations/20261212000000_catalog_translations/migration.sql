-- Catalog names and descriptions in Dutch and French ({"nl": {"name", "description"}, "fr": …}), read by
-- services/catalog.ts; "name" and "description" stay the English ones. The seed fills them from catalog.json.
ALTER TABLE "ProductType" ADD COLUMN "translations" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "ServiceType" ADD COLUMN "translations" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "Bundle" ADD COLUMN "translations" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "BundleOption" ADD COLUMN "translations" JSONB NOT NULL DEFAULT '{}';
