-- CreateEnum
CREATE TYPE "EnrolmentStatus" AS ENUM ('active', 'intermitting', 'withdrawn', 'completed');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('personal_tutor', 'level_tutor', 'programme_leader', 'student_centre', 'admin', 'operator');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('teams', 'sms', 'email');

-- CreateEnum
CREATE TYPE "EngagementSource" AS ENUM ('vle', 'attendance', 'library', 'submission', 'printing');

-- CreateEnum
CREATE TYPE "AttendanceMark" AS ENUM ('present', 'late', 'absent', 'authorised_absence');

-- CreateEnum
CREATE TYPE "SubmissionStatus" AS ENUM ('pending', 'on_time', 'late', 'missing', 'extension', 'exempt');

-- CreateEnum
CREATE TYPE "RuleSignificance" AS ENUM ('nudge', 'significant');

-- CreateEnum
CREATE TYPE "RuleRunStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "FlagState" AS ENUM ('open', 'actioned', 'dismissed', 'snoozed', 'closed');

-- CreateEnum
CREATE TYPE "FeedbackVerdict" AS ENUM ('useful', 'not_useful', 'wrong_data');

-- CreateEnum
CREATE TYPE "InterventionKind" AS ENUM ('nudge', 'invitation_to_talk', 'referral', 'escalation', 'staff_message');

-- CreateEnum
CREATE TYPE "InterventionState" AS ENUM ('proposed', 'awaiting_approval', 'approved', 'rejected', 'queued', 'sent', 'delivered', 'failed', 'cancelled', 'expired');

-- CreateEnum
CREATE TYPE "DeliveryState" AS ENUM ('pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "ReplyClass" AS ENUM ('thanks', 'needs_help', 'stop', 'why', 'pause', 'data_request', 'other');

-- CreateEnum
CREATE TYPE "MeetingState" AS ENUM ('proposed', 'booked', 'held', 'no_show', 'cancelled');

-- CreateEnum
CREATE TYPE "MeetingOutcome" AS ENUM ('met', 'no_show', 'support_agreed', 'referred');

-- CreateEnum
CREATE TYPE "ConsentPurpose" AS ENUM ('analytics', 'special_category_health', 'special_category_disability', 'special_category_ethnicity', 'special_category_other');

-- CreateEnum
CREATE TYPE "ConsentState" AS ENUM ('granted', 'refused', 'withdrawn');

-- CreateEnum
CREATE TYPE "DataRequestKind" AS ENUM ('access', 'rectification', 'erasure', 'restriction', 'objection');

-- CreateEnum
CREATE TYPE "DataRequestState" AS ENUM ('received', 'in_progress', 'completed', 'refused');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('staff', 'student', 'system');

-- CreateEnum
CREATE TYPE "JobRunStatus" AS ENUM ('running', 'succeeded', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "IngestStatus" AS ENUM ('running', 'completed', 'partial', 'rejected', 'failed');

-- CreateTable
CREATE TABLE "Student" (
    "id" SERIAL NOT NULL,
    "studentNumber" TEXT NOT NULL,
    "givenName" TEXT,
    "familyName" TEXT,
    "preferredName" TEXT,
    "email" TEXT,
    "mobile" TEXT,
    "photoUrl" TEXT,
    "entraObjectId" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'Europe/London',
    "preferredChannel" "Channel",
    "channelOrder" JSONB,
    "teamsOptOutAt" TIMESTAMP(3),
    "smsOptOutAt" TIMESTAMP(3),
    "emailOptOutAt" TIMESTAMP(3),
    "pausedUntil" TIMESTAMP(3),
    "enrolmentStatus" "EnrolmentStatus" NOT NULL DEFAULT 'active',
    "enrolmentEndDate" TIMESTAMP(3),
    "restrictedAt" TIMESTAMP(3),
    "contactRemovedAt" TIMESTAMP(3),
    "erasedAt" TIMESTAMP(3),
    "disability" TEXT,
    "ethnicity" TEXT,
    "healthCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Student_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Staff" (
    "id" SERIAL NOT NULL,
    "staffNumber" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "email" TEXT,
    "entraObjectId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "officeHours" JSONB,
    "timezone" TEXT NOT NULL DEFAULT 'Europe/London',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffRoleAssignment" (
    "id" SERIAL NOT NULL,
    "staffId" INTEGER NOT NULL,
    "role" "StaffRole" NOT NULL,
    "programmeId" INTEGER,
    "yearOfStudy" INTEGER,
    "scopeKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StaffRoleAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Programme" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "school" TEXT,
    "level" TEXT,
    "lengthYears" INTEGER,

    CONSTRAINT "Programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Module" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "credits" INTEGER,

    CONSTRAINT "Module_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModuleInstance" (
    "id" SERIAL NOT NULL,
    "moduleId" INTEGER NOT NULL,
    "presentationCode" TEXT NOT NULL,
    "startDate" TIMESTAMP(3) NOT NULL,
    "endDate" TIMESTAMP(3),
    "vleSiteId" TEXT,

    CONSTRAINT "ModuleInstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProgrammeEnrolment" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "programmeId" INTEGER NOT NULL,
    "yearOfStudy" INTEGER NOT NULL,
    "startDate" TIMESTAMP(3) NOT NULL,
    "endDate" TIMESTAMP(3),
    "status" "EnrolmentStatus" NOT NULL DEFAULT 'active',

    CONSTRAINT "ProgrammeEnrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModuleEnrolment" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "moduleInstanceId" INTEGER NOT NULL,
    "enrolledAt" TIMESTAMP(3),
    "withdrawnAt" TIMESTAMP(3),
    "finalResult" TEXT,

    CONSTRAINT "ModuleEnrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TutorGroup" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tutorId" INTEGER NOT NULL,
    "programmeId" INTEGER,

    CONSTRAINT "TutorGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TutorAssignment" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "staffId" INTEGER NOT NULL,
    "role" "StaffRole" NOT NULL DEFAULT 'personal_tutor',
    "tutorGroupId" INTEGER,
    "startDate" TIMESTAMP(3) NOT NULL,
    "endDate" TIMESTAMP(3),

    CONSTRAINT "TutorAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExtenuatingCircumstance" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "moduleInstanceId" INTEGER,
    "fromDate" TIMESTAMP(3) NOT NULL,
    "toDate" TIMESTAMP(3) NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExtenuatingCircumstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EngagementDaily" (
    "studentId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "source" "EngagementSource" NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "expected" INTEGER NOT NULL DEFAULT 0,
    "late" INTEGER NOT NULL DEFAULT 0,
    "missed" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "EngagementDaily_pkey" PRIMARY KEY ("studentId","day","source")
);

-- CreateTable
CREATE TABLE "TimetableEvent" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "moduleInstanceId" INTEGER,
    "kind" TEXT NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3),

    CONSTRAINT "TimetableEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attendance" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "eventId" INTEGER NOT NULL,
    "mark" "AttendanceMark" NOT NULL,
    "method" TEXT,
    "recordedAt" TIMESTAMP(3),

    CONSTRAINT "Attendance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Assessment" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "moduleInstanceId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3),
    "weight" DOUBLE PRECISION,

    CONSTRAINT "Assessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Submission" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "assessmentId" INTEGER NOT NULL,
    "status" "SubmissionStatus" NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "score" DOUBLE PRECISION,

    CONSTRAINT "Submission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActivityStatement" (
    "id" TEXT NOT NULL,
    "studentId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "source" "EngagementSource" NOT NULL,
    "verb" TEXT NOT NULL,
    "voided" BOOLEAN NOT NULL DEFAULT false,
    "storedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "batchId" INTEGER,

    CONSTRAINT "ActivityStatement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FeedFreshness" (
    "feed" TEXT NOT NULL,
    "source" "EngagementSource" NOT NULL,
    "lastDataDay" INTEGER,
    "lastLoadedAt" TIMESTAMP(3) NOT NULL,
    "expectedEveryHours" INTEGER NOT NULL DEFAULT 48,
    "lastBatchId" INTEGER,

    CONSTRAINT "FeedFreshness_pkey" PRIMARY KEY ("feed")
);

-- CreateTable
CREATE TABLE "IngestBatch" (
    "id" SERIAL NOT NULL,
    "format" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "checksum" TEXT,
    "status" "IngestStatus" NOT NULL DEFAULT 'running',
    "strict" BOOLEAN NOT NULL DEFAULT false,
    "read" INTEGER NOT NULL DEFAULT 0,
    "loaded" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "IngestBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rule" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "ownerId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleVersion" (
    "id" SERIAL NOT NULL,
    "ruleId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "document" JSONB NOT NULL,
    "authorId" INTEGER,
    "comment" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RuleVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleRun" (
    "id" SERIAL NOT NULL,
    "asOfDay" INTEGER NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "trigger" TEXT NOT NULL,
    "status" "RuleRunStatus" NOT NULL DEFAULT 'running',
    "summary" JSONB,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "RuleRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Flag" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "ruleId" TEXT NOT NULL,
    "ruleVersion" INTEGER NOT NULL,
    "periodKey" TEXT NOT NULL,
    "runId" INTEGER,
    "state" "FlagState" NOT NULL DEFAULT 'open',
    "evidence" JSONB NOT NULL,
    "raisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "snoozedUntil" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "closedReason" TEXT,

    CONSTRAINT "Flag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleFeedback" (
    "id" SERIAL NOT NULL,
    "ruleId" TEXT NOT NULL,
    "flagId" INTEGER,
    "staffId" INTEGER NOT NULL,
    "verdict" "FeedbackVerdict" NOT NULL,
    "comment" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RuleFeedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Intervention" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "flagId" INTEGER,
    "kind" "InterventionKind" NOT NULL,
    "state" "InterventionState" NOT NULL DEFAULT 'proposed',
    "channelOrder" JSONB,
    "channel" "Channel",
    "subject" TEXT,
    "body" TEXT NOT NULL,
    "originalBody" TEXT,
    "templateData" JSONB,
    "proposedBy" TEXT NOT NULL,
    "approvedById" INTEGER,
    "approvedAt" TIMESTAMP(3),
    "decisionNote" TEXT,
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Intervention_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" SERIAL NOT NULL,
    "interventionId" INTEGER NOT NULL,
    "channel" "Channel" NOT NULL,
    "state" "DeliveryState" NOT NULL DEFAULT 'pending',
    "dueAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "providerMessageId" TEXT,
    "sentAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reply" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "interventionId" INTEGER,
    "channel" "Channel" NOT NULL,
    "text" TEXT NOT NULL,
    "classification" "ReplyClass" NOT NULL,
    "providerMessageId" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenByTutorAt" TIMESTAMP(3),

    CONSTRAINT "Reply_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Meeting" (
    "id" SERIAL NOT NULL,
    "interventionId" INTEGER NOT NULL,
    "studentId" INTEGER NOT NULL,
    "tutorId" INTEGER NOT NULL,
    "state" "MeetingState" NOT NULL DEFAULT 'proposed',
    "proposedSlots" JSONB NOT NULL,
    "startsAt" TIMESTAMP(3),
    "endsAt" TIMESTAMP(3),
    "location" TEXT,
    "onlineMeetingUrl" TEXT,
    "graphEventId" TEXT,
    "icsUid" TEXT,
    "reminderSentAt" TIMESTAMP(3),
    "outcome" "MeetingOutcome",
    "outcomeRecordedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Meeting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConversationReference" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER,
    "staffId" INTEGER,
    "teamsUserId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "serviceUrl" TEXT NOT NULL,
    "tenantId" TEXT,
    "reference" JSONB NOT NULL,
    "unavailableAt" TIMESTAMP(3),
    "unavailableReason" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConversationReference_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER NOT NULL,
    "purpose" "ConsentPurpose" NOT NULL,
    "state" "ConsentState" NOT NULL,
    "source" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recordedById" INTEGER,
    "note" TEXT,

    CONSTRAINT "Consent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataRequest" (
    "id" SERIAL NOT NULL,
    "studentId" INTEGER,
    "kind" "DataRequestKind" NOT NULL,
    "state" "DataRequestState" NOT NULL DEFAULT 'received',
    "channel" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dueBy" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "handledById" INTEGER,
    "note" TEXT,

    CONSTRAINT "DataRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorKind" "ActorKind" NOT NULL,
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "studentId" INTEGER,
    "details" JSONB,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AnonymisedStatistic" (
    "id" SERIAL NOT NULL,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "value" INTEGER NOT NULL,

    CONSTRAINT "AnonymisedStatistic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLease" (
    "job" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "leaseUntil" TIMESTAMP(3) NOT NULL,
    "acquiredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("job")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" SERIAL NOT NULL,
    "job" TEXT NOT NULL,
    "scheduledFor" TIMESTAMP(3) NOT NULL,
    "owner" TEXT NOT NULL,
    "status" "JobRunStatus" NOT NULL DEFAULT 'running',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "error" TEXT,
    "summary" JSONB,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Student_studentNumber_key" ON "Student"("studentNumber");

-- CreateIndex
CREATE UNIQUE INDEX "Student_entraObjectId_key" ON "Student"("entraObjectId");

-- CreateIndex
CREATE INDEX "Student_enrolmentStatus_idx" ON "Student"("enrolmentStatus");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_staffNumber_key" ON "Staff"("staffNumber");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_entraObjectId_key" ON "Staff"("entraObjectId");

-- CreateIndex
CREATE INDEX "StaffRoleAssignment_role_idx" ON "StaffRoleAssignment"("role");

-- CreateIndex
CREATE UNIQUE INDEX "StaffRoleAssignment_staffId_scopeKey_key" ON "StaffRoleAssignment"("staffId", "scopeKey");

-- CreateIndex
CREATE UNIQUE INDEX "Programme_code_key" ON "Programme"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Module_code_key" ON "Module"("code");

-- CreateIndex
CREATE INDEX "ModuleInstance_vleSiteId_idx" ON "ModuleInstance"("vleSiteId");

-- CreateIndex
CREATE UNIQUE INDEX "ModuleInstance_moduleId_presentationCode_key" ON "ModuleInstance"("moduleId", "presentationCode");

-- CreateIndex
CREATE INDEX "ProgrammeEnrolment_programmeId_yearOfStudy_idx" ON "ProgrammeEnrolment"("programmeId", "yearOfStudy");

-- CreateIndex
CREATE UNIQUE INDEX "ProgrammeEnrolment_studentId_programmeId_startDate_key" ON "ProgrammeEnrolment"("studentId", "programmeId", "startDate");

-- CreateIndex
CREATE INDEX "ModuleEnrolment_moduleInstanceId_idx" ON "ModuleEnrolment"("moduleInstanceId");

-- CreateIndex
CREATE UNIQUE INDEX "ModuleEnrolment_studentId_moduleInstanceId_key" ON "ModuleEnrolment"("studentId", "moduleInstanceId");

-- CreateIndex
CREATE UNIQUE INDEX "TutorGroup_code_key" ON "TutorGroup"("code");

-- CreateIndex
CREATE INDEX "TutorAssignment_staffId_role_idx" ON "TutorAssignment"("staffId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "TutorAssignment_studentId_staffId_role_key" ON "TutorAssignment"("studentId", "staffId", "role");

-- CreateIndex
CREATE INDEX "ExtenuatingCircumstance_studentId_toDate_idx" ON "ExtenuatingCircumstance"("studentId", "toDate");

-- CreateIndex
CREATE INDEX "EngagementDaily_day_source_idx" ON "EngagementDaily"("day", "source");

-- CreateIndex
CREATE UNIQUE INDEX "TimetableEvent_externalId_key" ON "TimetableEvent"("externalId");

-- CreateIndex
CREATE INDEX "TimetableEvent_startsAt_idx" ON "TimetableEvent"("startsAt");

-- CreateIndex
CREATE INDEX "Attendance_eventId_idx" ON "Attendance"("eventId");

-- CreateIndex
CREATE UNIQUE INDEX "Attendance_studentId_eventId_key" ON "Attendance"("studentId", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "Assessment_externalId_key" ON "Assessment"("externalId");

-- CreateIndex
CREATE INDEX "Assessment_moduleInstanceId_dueAt_idx" ON "Assessment"("moduleInstanceId", "dueAt");

-- CreateIndex
CREATE INDEX "Submission_assessmentId_idx" ON "Submission"("assessmentId");

-- CreateIndex
CREATE UNIQUE INDEX "Submission_studentId_assessmentId_key" ON "Submission"("studentId", "assessmentId");

-- CreateIndex
CREATE INDEX "ActivityStatement_studentId_day_idx" ON "ActivityStatement"("studentId", "day");

-- CreateIndex
CREATE INDEX "IngestBatch_format_checksum_idx" ON "IngestBatch"("format", "checksum");

-- CreateIndex
CREATE UNIQUE INDEX "RuleVersion_ruleId_version_key" ON "RuleVersion"("ruleId", "version");

-- CreateIndex
CREATE INDEX "RuleRun_asOfDay_idx" ON "RuleRun"("asOfDay");

-- CreateIndex
CREATE INDEX "Flag_state_raisedAt_idx" ON "Flag"("state", "raisedAt");

-- CreateIndex
CREATE INDEX "Flag_ruleId_raisedAt_idx" ON "Flag"("ruleId", "raisedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Flag_studentId_ruleId_periodKey_key" ON "Flag"("studentId", "ruleId", "periodKey");

-- CreateIndex
CREATE INDEX "RuleFeedback_ruleId_createdAt_idx" ON "RuleFeedback"("ruleId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Intervention_dedupeKey_key" ON "Intervention"("dedupeKey");

-- CreateIndex
CREATE INDEX "Intervention_studentId_state_idx" ON "Intervention"("studentId", "state");

-- CreateIndex
CREATE INDEX "Intervention_state_createdAt_idx" ON "Intervention"("state", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_providerMessageId_key" ON "Delivery"("providerMessageId");

-- CreateIndex
CREATE INDEX "Delivery_state_dueAt_idx" ON "Delivery"("state", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_interventionId_channel_key" ON "Delivery"("interventionId", "channel");

-- CreateIndex
CREATE UNIQUE INDEX "Reply_providerMessageId_key" ON "Reply"("providerMessageId");

-- CreateIndex
CREATE INDEX "Reply_studentId_receivedAt_idx" ON "Reply"("studentId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Meeting_icsUid_key" ON "Meeting"("icsUid");

-- CreateIndex
CREATE INDEX "Meeting_tutorId_startsAt_idx" ON "Meeting"("tutorId", "startsAt");

-- CreateIndex
CREATE INDEX "Meeting_state_startsAt_idx" ON "Meeting"("state", "startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "ConversationReference_studentId_key" ON "ConversationReference"("studentId");

-- CreateIndex
CREATE UNIQUE INDEX "ConversationReference_staffId_key" ON "ConversationReference"("staffId");

-- CreateIndex
CREATE UNIQUE INDEX "ConversationReference_teamsUserId_key" ON "ConversationReference"("teamsUserId");

-- CreateIndex
CREATE INDEX "Consent_studentId_purpose_recordedAt_idx" ON "Consent"("studentId", "purpose", "recordedAt");

-- CreateIndex
CREATE INDEX "DataRequest_state_dueBy_idx" ON "DataRequest"("state", "dueBy");

-- CreateIndex
CREATE INDEX "AuditLog_studentId_at_idx" ON "AuditLog"("studentId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_actorId_at_idx" ON "AuditLog"("actorId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_action_at_idx" ON "AuditLog"("action", "at");

-- CreateIndex
CREATE UNIQUE INDEX "AnonymisedStatistic_metric_period_dimension_key" ON "AnonymisedStatistic"("metric", "period", "dimension");

-- CreateIndex
CREATE INDEX "JobRun_job_startedAt_idx" ON "JobRun"("job", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "JobRun_job_scheduledFor_key" ON "JobRun"("job", "scheduledFor");

-- AddForeignKey
ALTER TABLE "StaffRoleAssignment" ADD CONSTRAINT "StaffRoleAssignment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffRoleAssignment" ADD CONSTRAINT "StaffRoleAssignment_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModuleInstance" ADD CONSTRAINT "ModuleInstance_moduleId_fkey" FOREIGN KEY ("moduleId") REFERENCES "Module"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProgrammeEnrolment" ADD CONSTRAINT "ProgrammeEnrolment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProgrammeEnrolment" ADD CONSTRAINT "ProgrammeEnrolment_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModuleEnrolment" ADD CONSTRAINT "ModuleEnrolment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModuleEnrolment" ADD CONSTRAINT "ModuleEnrolment_moduleInstanceId_fkey" FOREIGN KEY ("moduleInstanceId") REFERENCES "ModuleInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TutorGroup" ADD CONSTRAINT "TutorGroup_tutorId_fkey" FOREIGN KEY ("tutorId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TutorGroup" ADD CONSTRAINT "TutorGroup_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TutorAssignment" ADD CONSTRAINT "TutorAssignment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TutorAssignment" ADD CONSTRAINT "TutorAssignment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TutorAssignment" ADD CONSTRAINT "TutorAssignment_tutorGroupId_fkey" FOREIGN KEY ("tutorGroupId") REFERENCES "TutorGroup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExtenuatingCircumstance" ADD CONSTRAINT "ExtenuatingCircumstance_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EngagementDaily" ADD CONSTRAINT "EngagementDaily_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimetableEvent" ADD CONSTRAINT "TimetableEvent_moduleInstanceId_fkey" FOREIGN KEY ("moduleInstanceId") REFERENCES "ModuleInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attendance" ADD CONSTRAINT "Attendance_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attendance" ADD CONSTRAINT "Attendance_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "TimetableEvent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assessment" ADD CONSTRAINT "Assessment_moduleInstanceId_fkey" FOREIGN KEY ("moduleInstanceId") REFERENCES "ModuleInstance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Submission" ADD CONSTRAINT "Submission_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Submission" ADD CONSTRAINT "Submission_assessmentId_fkey" FOREIGN KEY ("assessmentId") REFERENCES "Assessment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActivityStatement" ADD CONSTRAINT "ActivityStatement_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActivityStatement" ADD CONSTRAINT "ActivityStatement_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "IngestBatch"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rule" ADD CONSTRAINT "Rule_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleVersion" ADD CONSTRAINT "RuleVersion_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleVersion" ADD CONSTRAINT "RuleVersion_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Flag" ADD CONSTRAINT "Flag_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Flag" ADD CONSTRAINT "Flag_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Flag" ADD CONSTRAINT "Flag_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RuleRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleFeedback" ADD CONSTRAINT "RuleFeedback_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleFeedback" ADD CONSTRAINT "RuleFeedback_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleFeedback" ADD CONSTRAINT "RuleFeedback_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Intervention" ADD CONSTRAINT "Intervention_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Intervention" ADD CONSTRAINT "Intervention_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Intervention" ADD CONSTRAINT "Intervention_approvedById_fkey" FOREIGN KEY ("approvedById") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reply" ADD CONSTRAINT "Reply_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reply" ADD CONSTRAINT "Reply_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Meeting" ADD CONSTRAINT "Meeting_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Meeting" ADD CONSTRAINT "Meeting_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Meeting" ADD CONSTRAINT "Meeting_tutorId_fkey" FOREIGN KEY ("tutorId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConversationReference" ADD CONSTRAINT "ConversationReference_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConversationReference" ADD CONSTRAINT "ConversationReference_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consent" ADD CONSTRAINT "Consent_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consent" ADD CONSTRAINT "Consent_recordedById_fkey" FOREIGN KEY ("recordedById") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DataRequest" ADD CONSTRAINT "DataRequest_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DataRequest" ADD CONSTRAINT "DataRequest_handledById_fkey" FOREIGN KEY ("handledById") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

