-- CreateTable
CREATE TABLE "Student" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentNumber" TEXT NOT NULL,
    "givenName" TEXT,
    "familyName" TEXT,
    "preferredName" TEXT,
    "email" TEXT,
    "mobile" TEXT,
    "photoUrl" TEXT,
    "entraObjectId" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'Europe/London',
    "preferredChannel" TEXT,
    "channelOrder" JSONB,
    "teamsOptOutAt" DATETIME,
    "smsOptOutAt" DATETIME,
    "emailOptOutAt" DATETIME,
    "pausedUntil" DATETIME,
    "enrolmentStatus" TEXT NOT NULL DEFAULT 'active',
    "enrolmentEndDate" DATETIME,
    "restrictedAt" DATETIME,
    "contactRemovedAt" DATETIME,
    "erasedAt" DATETIME,
    "disability" TEXT,
    "ethnicity" TEXT,
    "healthCode" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Staff" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "staffNumber" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "email" TEXT,
    "entraObjectId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "officeHours" JSONB,
    "timezone" TEXT NOT NULL DEFAULT 'Europe/London',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "StaffRoleAssignment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "staffId" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "programmeId" INTEGER,
    "yearOfStudy" INTEGER,
    "scopeKey" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "StaffRoleAssignment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StaffRoleAssignment_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Programme" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "school" TEXT,
    "level" TEXT,
    "lengthYears" INTEGER
);

-- CreateTable
CREATE TABLE "Module" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "credits" INTEGER
);

-- CreateTable
CREATE TABLE "ModuleInstance" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "moduleId" INTEGER NOT NULL,
    "presentationCode" TEXT NOT NULL,
    "startDate" DATETIME NOT NULL,
    "endDate" DATETIME,
    "vleSiteId" TEXT,
    CONSTRAINT "ModuleInstance_moduleId_fkey" FOREIGN KEY ("moduleId") REFERENCES "Module" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProgrammeEnrolment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "programmeId" INTEGER NOT NULL,
    "yearOfStudy" INTEGER NOT NULL,
    "startDate" DATETIME NOT NULL,
    "endDate" DATETIME,
    "status" TEXT NOT NULL DEFAULT 'active',
    CONSTRAINT "ProgrammeEnrolment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ProgrammeEnrolment_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ModuleEnrolment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "moduleInstanceId" INTEGER NOT NULL,
    "enrolledAt" DATETIME,
    "withdrawnAt" DATETIME,
    "finalResult" TEXT,
    CONSTRAINT "ModuleEnrolment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ModuleEnrolment_moduleInstanceId_fkey" FOREIGN KEY ("moduleInstanceId") REFERENCES "ModuleInstance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TutorGroup" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tutorId" INTEGER NOT NULL,
    "programmeId" INTEGER,
    CONSTRAINT "TutorGroup_tutorId_fkey" FOREIGN KEY ("tutorId") REFERENCES "Staff" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "TutorGroup_programmeId_fkey" FOREIGN KEY ("programmeId") REFERENCES "Programme" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TutorAssignment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "staffId" INTEGER NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'personal_tutor',
    "tutorGroupId" INTEGER,
    "startDate" DATETIME NOT NULL,
    "endDate" DATETIME,
    CONSTRAINT "TutorAssignment_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TutorAssignment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "TutorAssignment_tutorGroupId_fkey" FOREIGN KEY ("tutorGroupId") REFERENCES "TutorGroup" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ExtenuatingCircumstance" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "moduleInstanceId" INTEGER,
    "fromDate" DATETIME NOT NULL,
    "toDate" DATETIME NOT NULL,
    "recordedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ExtenuatingCircumstance_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EngagementDaily" (
    "studentId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "expected" INTEGER NOT NULL DEFAULT 0,
    "late" INTEGER NOT NULL DEFAULT 0,
    "missed" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("studentId", "day", "source"),
    CONSTRAINT "EngagementDaily_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TimetableEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "externalId" TEXT NOT NULL,
    "moduleInstanceId" INTEGER,
    "kind" TEXT NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME,
    CONSTRAINT "TimetableEvent_moduleInstanceId_fkey" FOREIGN KEY ("moduleInstanceId") REFERENCES "ModuleInstance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attendance" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "eventId" INTEGER NOT NULL,
    "mark" TEXT NOT NULL,
    "method" TEXT,
    "recordedAt" DATETIME,
    CONSTRAINT "Attendance_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Attendance_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "TimetableEvent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Assessment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "externalId" TEXT NOT NULL,
    "moduleInstanceId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dueAt" DATETIME,
    "weight" REAL,
    CONSTRAINT "Assessment_moduleInstanceId_fkey" FOREIGN KEY ("moduleInstanceId") REFERENCES "ModuleInstance" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Submission" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "assessmentId" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "submittedAt" DATETIME,
    "score" REAL,
    CONSTRAINT "Submission_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Submission_assessmentId_fkey" FOREIGN KEY ("assessmentId") REFERENCES "Assessment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ActivityStatement" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "studentId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "verb" TEXT NOT NULL,
    "voided" BOOLEAN NOT NULL DEFAULT false,
    "storedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "batchId" INTEGER,
    CONSTRAINT "ActivityStatement_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ActivityStatement_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "IngestBatch" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FeedFreshness" (
    "feed" TEXT NOT NULL PRIMARY KEY,
    "source" TEXT NOT NULL,
    "lastDataDay" INTEGER,
    "lastLoadedAt" DATETIME NOT NULL,
    "expectedEveryHours" INTEGER NOT NULL DEFAULT 48,
    "lastBatchId" INTEGER
);

-- CreateTable
CREATE TABLE "IngestBatch" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "format" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "checksum" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "strict" BOOLEAN NOT NULL DEFAULT false,
    "read" INTEGER NOT NULL DEFAULT 0,
    "loaded" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Rule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "ownerId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Rule_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RuleVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ruleId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "document" JSONB NOT NULL,
    "authorId" INTEGER,
    "comment" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RuleVersion_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RuleVersion_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RuleRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "asOfDay" INTEGER NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "summary" JSONB,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Flag" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "ruleId" TEXT NOT NULL,
    "ruleVersion" INTEGER NOT NULL,
    "periodKey" TEXT NOT NULL,
    "runId" INTEGER,
    "state" TEXT NOT NULL DEFAULT 'open',
    "evidence" JSONB NOT NULL,
    "raisedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "snoozedUntil" DATETIME,
    "closedAt" DATETIME,
    "closedReason" TEXT,
    CONSTRAINT "Flag_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Flag_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Flag_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RuleRun" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RuleFeedback" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ruleId" TEXT NOT NULL,
    "flagId" INTEGER,
    "staffId" INTEGER NOT NULL,
    "verdict" TEXT NOT NULL,
    "comment" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RuleFeedback_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RuleFeedback_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RuleFeedback_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Intervention" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "flagId" INTEGER,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'proposed',
    "channelOrder" JSONB,
    "channel" TEXT,
    "subject" TEXT,
    "body" TEXT NOT NULL,
    "originalBody" TEXT,
    "templateData" JSONB,
    "proposedBy" TEXT NOT NULL,
    "approvedById" INTEGER,
    "approvedAt" DATETIME,
    "decisionNote" TEXT,
    "dedupeKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Intervention_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Intervention_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Intervention_approvedById_fkey" FOREIGN KEY ("approvedById") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "interventionId" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "dueAt" DATETIME NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "providerMessageId" TEXT,
    "sentAt" DATETIME,
    "deliveredAt" DATETIME,
    "failedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Delivery_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Reply" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "interventionId" INTEGER,
    "channel" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "classification" TEXT NOT NULL,
    "providerMessageId" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenByTutorAt" DATETIME,
    CONSTRAINT "Reply_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Reply_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Meeting" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "interventionId" INTEGER NOT NULL,
    "studentId" INTEGER NOT NULL,
    "tutorId" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'proposed',
    "proposedSlots" JSONB NOT NULL,
    "startsAt" DATETIME,
    "endsAt" DATETIME,
    "location" TEXT,
    "onlineMeetingUrl" TEXT,
    "graphEventId" TEXT,
    "icsUid" TEXT,
    "reminderSentAt" DATETIME,
    "outcome" TEXT,
    "outcomeRecordedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Meeting_interventionId_fkey" FOREIGN KEY ("interventionId") REFERENCES "Intervention" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Meeting_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Meeting_tutorId_fkey" FOREIGN KEY ("tutorId") REFERENCES "Staff" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ConversationReference" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER,
    "staffId" INTEGER,
    "teamsUserId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "serviceUrl" TEXT NOT NULL,
    "tenantId" TEXT,
    "reference" JSONB NOT NULL,
    "unavailableAt" DATETIME,
    "unavailableReason" TEXT,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ConversationReference_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ConversationReference_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER NOT NULL,
    "purpose" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "recordedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recordedById" INTEGER,
    "note" TEXT,
    CONSTRAINT "Consent_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Consent_recordedById_fkey" FOREIGN KEY ("recordedById") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DataRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "studentId" INTEGER,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'received',
    "channel" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dueBy" DATETIME NOT NULL,
    "completedAt" DATETIME,
    "handledById" INTEGER,
    "note" TEXT,
    CONSTRAINT "DataRequest_studentId_fkey" FOREIGN KEY ("studentId") REFERENCES "Student" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "DataRequest_handledById_fkey" FOREIGN KEY ("handledById") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "studentId" INTEGER,
    "details" JSONB
);

-- CreateTable
CREATE TABLE "AnonymisedStatistic" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "metric" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "value" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "JobLease" (
    "job" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "leaseUntil" DATETIME NOT NULL,
    "acquiredAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job" TEXT NOT NULL,
    "scheduledFor" DATETIME NOT NULL,
    "owner" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "error" TEXT,
    "summary" JSONB
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

