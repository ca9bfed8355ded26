import { ulid } from 'ulidx';
import type { Db } from '../meta/index.js';
import type { GateReport } from './types.js';

/** Stores a report in gate_reports; returns it with its id. */
export async function saveGateReport(db: Db, report: Omit<GateReport, 'id'>): Promise<GateReport> {
  const saved: GateReport = { ...report, id: ulid() };
  await db.run(`INSERT INTO gate_reports (id, model, version, passed, report_json, created_at) VALUES (?, ?, ?, ?, ?, ?)`, [
    saved.id,
    saved.model,
    saved.version,
    saved.passed ? 1 : 0,
    JSON.stringify(saved),
    saved.createdAt,
  ]);
  return saved;
}

/** One stored report, or undefined. */
export async function getGateReport(db: Db, id: string): Promise<GateReport | undefined> {
  const r = await db.get<{ report_json: string }>(`SELECT report_json FROM gate_reports WHERE id = ?`, [id]);
  return r ? (JSON.parse(r.report_json) as GateReport) : undefined;
}

/** The newest report of a model version, or undefined. */
export async function latestGateReport(db: Db, model: string, version: number): Promise<GateReport | undefined> {
  const r = await db.get<{ report_json: string }>(
    `SELECT report_json FROM gate_reports WHERE model = ? AND version = ? ORDER BY created_at DESC, id DESC LIMIT 1`,
    [model, version],
  );
  return r ? (JSON.parse(r.report_json) as GateReport) : undefined;
}
