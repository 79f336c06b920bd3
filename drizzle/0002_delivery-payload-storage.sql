-- Webhook payloads are written once and read back whole: keep them out of line and
-- uncompressed, so intake does not pay for compressing ~20 KB per delivery.
ALTER TABLE "deliveries" ALTER COLUMN "payload" SET STORAGE EXTERNAL;
