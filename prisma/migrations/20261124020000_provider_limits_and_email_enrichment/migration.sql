-- AlterEnum
ALTER TYPE "JobType" ADD VALUE 'FIND_EMAILS' BEFORE 'VERIFY_EMAIL';

-- AlterEnum
ALTER TYPE "LeadStatus" ADD VALUE 'NO_EMAIL' BEFORE 'VERIFIED';

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "lead_ids" UUID[] DEFAULT ARRAY[]::UUID[];

-- AlterTable
ALTER TABLE "leads" ADD COLUMN     "email_credits" DOUBLE PRECISION,
ADD COLUMN     "research_cost_usd" DOUBLE PRECISION,
ADD COLUMN     "research_sources" JSONB;

-- CreateTable
CREATE TABLE "provider_limits" (
    "service" TEXT NOT NULL,
    "remaining" JSONB NOT NULL,
    "resets" JSONB,
    "observed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "provider_limits_pkey" PRIMARY KEY ("service")
);
