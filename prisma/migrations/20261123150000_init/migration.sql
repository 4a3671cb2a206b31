-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('CREATED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('PENDING', 'PROCESSING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "JobType" AS ENUM ('FETCH_LEADS', 'VERIFY_EMAIL', 'ENRICH_LEAD', 'WRITE_COPY', 'PUSH_TO_INSTANTLY');

-- CreateEnum
CREATE TYPE "LeadStatus" AS ENUM ('NEW', 'VERIFIED', 'INVALID_EMAIL', 'ENRICHED', 'COPY_WRITTEN', 'PUSHED', 'FAILED');

-- CreateEnum
CREATE TYPE "BreakerState" AS ENUM ('CLOSED', 'OPEN');

-- CreateEnum
CREATE TYPE "QueueState" AS ENUM ('ACTIVE', 'PAUSED');

-- CreateEnum
CREATE TYPE "BreakerEventType" AS ENUM ('FAILURE_RECORDED', 'BREAKER_OPENED', 'BREAKER_RESET', 'QUEUE_PAUSED', 'QUEUE_RESUMED');

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "CampaignStatus" NOT NULL DEFAULT 'CREATED',
    "search_criteria" JSONB NOT NULL,
    "lead_limit" INTEGER NOT NULL,
    "copy_prompt" TEXT NOT NULL,
    "instantly_campaign_id" TEXT NOT NULL,
    "status_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "lead_id" UUID,
    "type" "JobType" NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "leads" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "email" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "title" TEXT,
    "company_name" TEXT,
    "company_domain" TEXT,
    "linkedin_url" TEXT,
    "status" "LeadStatus" NOT NULL DEFAULT 'NEW',
    "email_status" TEXT,
    "enrichment" TEXT,
    "email_subject" TEXT,
    "email_body" TEXT,
    "instantly_lead_id" TEXT,
    "pushed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "leads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "breaker_events" (
    "id" BIGSERIAL NOT NULL,
    "type" "BreakerEventType" NOT NULL,
    "service" TEXT,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "breaker_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "breaker_state" "BreakerState" NOT NULL DEFAULT 'CLOSED',
    "queue_state" "QueueState" NOT NULL DEFAULT 'ACTIVE',
    "opened_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "metadata" JSONB,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "system_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "campaigns_status_idx" ON "campaigns"("status");

-- CreateIndex
CREATE INDEX "jobs_campaign_id_status_idx" ON "jobs"("campaign_id", "status");

-- CreateIndex
CREATE INDEX "jobs_status_idx" ON "jobs"("status");

-- CreateIndex
CREATE INDEX "leads_campaign_id_status_idx" ON "leads"("campaign_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "leads_campaign_id_external_id_key" ON "leads"("campaign_id", "external_id");

-- CreateIndex
CREATE INDEX "breaker_events_created_at_idx" ON "breaker_events"("created_at");

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_lead_id_fkey" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "leads" ADD CONSTRAINT "leads_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The singleton row the breaker workflow projects its state into.
INSERT INTO "system_state" ("id") VALUES (1);
