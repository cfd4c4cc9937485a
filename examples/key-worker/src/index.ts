export { type AuditEvent, type AuditLine, KeyWorkerDesk, readAudit, verifyAudit } from './desk.js'
