/**
 * One rule: its fields and its YAML (the YAML is what is saved, so the file format and the CLI
 * stay the same; the fields edit it in place, comments kept), checked and dry-run as you type,
 * published with a change note; its history with a diff, roll back, enable and disable.
 */
import {
  Button,
  Field,
  Input,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Textarea,
} from "@fluentui/react-components";
import { useCallback, useEffect, useRef, useState } from "react";
import { parseDocument } from "yaml";
import { api, ApiError, type DiffLine, type DryRun, type Problem, type RuleDetail } from "./api.ts";
import { Notice } from "./ui.tsx";

const FIELDS = [
  { key: "title", label: "Title", multiline: false },
  { key: "description", label: "Description", multiline: true },
  { key: "condition", label: "Condition (CEL over the metrics catalogue)", multiline: true },
] as const;
type FieldKey = (typeof FIELDS)[number]["key"];

function fieldsOf(yaml: string): Record<FieldKey, string> {
  const doc = parseDocument(yaml);
  const value = (key: string) => {
    const v = doc.get(key);
    return typeof v === "string" ? v : "";
  };
  return { title: value("title"), description: value("description"), condition: value("condition") };
}

function withField(yaml: string, key: FieldKey, value: string): string {
  const doc = parseDocument(yaml);
  doc.set(key, value);
  // No folding of long lines: only the field changed shows in the diff.
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

const where = (p: Problem) => [p.field, p.line ? `line ${p.line}${p.column ? `, column ${p.column}` : ""}` : ""].filter(Boolean).join(", ");

export function Editor({ id, canEdit, onBack }: { id: string; canEdit: boolean; onBack: () => void }) {
  const [rule, setRule] = useState<RuleDetail | null>(null);
  const [yaml, setYaml] = useState("");
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const [running, setRunning] = useState(false);
  const [note, setNote] = useState("");
  const [message, setMessage] = useState<{ intent: "success" | "error"; text: string } | null>(null);
  const [diff, setDiff] = useState<{ from: number; to: number; lines: DiffLine[] } | null>(null);
  const latest = useRef(0);

  const load = useCallback(async () => {
    const detail = await api<RuleDetail>(`/rules/${encodeURIComponent(id)}`);
    setRule(detail);
    setYaml(detail.yaml);
    return detail;
  }, [id]);

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ intent: "error", text: e instanceof ApiError ? e.message : "The rule could not be loaded." }));
  }, [load]);

  // The live dry run: debounced, and only the latest answer is shown.
  useEffect(() => {
    if (!yaml) return;
    const ticket = ++latest.current;
    const timer = setTimeout(async () => {
      setRunning(true);
      try {
        const result = await api<DryRun>("/dry-run", { yaml });
        if (ticket === latest.current) setDryRun(result);
      } catch (e) {
        if (ticket === latest.current) setMessage({ intent: "error", text: e instanceof ApiError ? e.message : "The dry run failed." });
      } finally {
        if (ticket === latest.current) setRunning(false);
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [yaml]);

  const act = async (what: () => Promise<string>) => {
    setMessage(null);
    try {
      const text = await what();
      const detail = await load();
      setMessage({ intent: "success", text });
      return detail;
    } catch (e) {
      setMessage({ intent: "error", text: e instanceof ApiError ? e.message : "That could not be done. Please try again." });
      return null;
    }
  };

  const showDiff = async (from: number, to: number) => {
    setDiff(await api(`/rules/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`));
  };

  const publish = () =>
    act(async () => {
      const answer = await api<{ saved: { action: string; version: number } }>(`/rules/${encodeURIComponent(id)}/versions`, { yaml, note });
      setNote("");
      if (answer.saved.action === "unchanged") return "Nothing changed: no new version was saved.";
      if (answer.saved.version > 1) await showDiff(answer.saved.version - 1, answer.saved.version);
      return `Published version ${answer.saved.version}.`;
    });

  if (!rule) return message ? <Notice intent={message.intent}>{message.text}</Notice> : <Spinner label="Loading the rule…" />;
  const fields = fieldsOf(yaml);
  const problems = dryRun?.problems ?? [];
  const errors = problems.filter((p) => p.severity === "error");

  return (
    <div>
      <Button onClick={onBack}>Back to all rules</Button>
      <h2 style={{ fontSize: 20 }}>
        {rule.title} <span style={{ fontWeight: "normal" }}>(version {rule.version})</span>
      </h2>
      <div style={{ marginBottom: 12 }}>
        <Switch
          label={rule.enabled ? "Enabled: runs every day" : "Disabled: does not run"}
          checked={rule.enabled}
          disabled={!canEdit}
          onChange={(_e, data) =>
            act(async () => {
              await api(`/rules/${encodeURIComponent(id)}/enabled`, { enabled: data.checked });
              return data.checked ? "Enabled." : "Disabled.";
            })
          }
        />
      </div>
      {message && <Notice intent={message.intent}>{message.text}</Notice>}
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 3fr) minmax(0, 2fr)", gap: 24, marginTop: 12 }}>
        <section aria-labelledby="edit-title" style={{ display: "grid", gap: 12, alignContent: "start" }}>
          <h3 id="edit-title" style={{ fontSize: 16, margin: 0 }}>
            Edit
          </h3>
          {FIELDS.map((f) => {
            const problem = errors.find((p) => p.field === f.key);
            const props = { value: fields[f.key], onChange: (_e: unknown, data: { value: string }) => setYaml(withField(yaml, f.key, data.value)) };
            return (
              <Field key={f.key} label={f.label} validationState={problem ? "error" : "none"} validationMessage={problem ? problem.message : undefined}>
                {f.multiline ? <Textarea {...props} resize="vertical" /> : <Input {...props} />}
              </Field>
            );
          })}
          <Field label="The rule as YAML (for experts: every field, saved exactly as written)">
            <Textarea
              value={yaml}
              onChange={(_e, data) => setYaml(data.value)}
              rows={16}
              style={{ fontFamily: "monospace" }}
              textarea={{ spellCheck: false }}
            />
          </Field>
          <div role="status" aria-live="polite">
            {errors.length === 0 && dryRun?.ok && <p style={{ margin: 0 }}>No problems found.</p>}
          </div>
          {problems.length > 0 && (
            <section aria-label="Problems">
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {problems.map((p) => (
                  <li key={`${p.field}|${p.message}`} style={{ color: p.severity === "error" ? "#a4262c" : "#6b4a00" }}>
                    <strong>{p.severity === "error" ? "Error" : "Warning"}</strong> in <code>{where(p)}</code>: {p.message}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {canEdit && (
            <div style={{ display: "grid", gap: 8 }}>
              <Field label="Change note (what changed and why)">
                <Input value={note} onChange={(_e, data) => setNote(data.value)} />
              </Field>
              <div>
                <Button appearance="primary" disabled={errors.length > 0 || !note.trim() || !dryRun?.ok} onClick={publish}>
                  Publish new version
                </Button>
              </div>
            </div>
          )}
        </section>
        <DryRunPanel dryRun={dryRun} running={running} />
      </div>
      <History
        rule={rule}
        canEdit={canEdit}
        diff={diff}
        onDiff={showDiff}
        onRollback={(to) =>
          act(async () => {
            const answer = await api<{ action: string; version: number }>(`/rules/${encodeURIComponent(id)}/rollback`, { to });
            return answer.action === "unchanged" ? `Already at version ${to}.` : `Version ${answer.version} restores version ${to}.`;
          })
        }
      />
    </div>
  );
}

function DryRunPanel({ dryRun, running }: { dryRun: DryRun | null; running: boolean }) {
  return (
    <section aria-labelledby="dry-title" aria-busy={running}>
      <h3 id="dry-title" style={{ fontSize: 16, margin: "0 0 8px" }}>
        Live dry run {running && <Spinner size="tiny" aria-label="Updating" style={{ display: "inline-flex" }} />}
      </h3>
      {!dryRun && <p>Working out what this rule would do…</p>}
      {dryRun && !dryRun.ok && <p>Fix the errors to see what the rule would do.</p>}
      {dryRun?.ok && <DryRunFigures dryRun={dryRun} />}
    </section>
  );
}

function DryRunFigures({ dryRun }: { dryRun: Extract<DryRun, { ok: true }> }) {
  const r = dryRun.report;
  const c = r.comparedWithCurrent;
  return (
    <div data-testid="dry-run">
      <p style={{ margin: "0 0 8px" }}>
        As of {r.asOf}: the condition holds for <strong data-testid="matched">{r.matched}</strong> of {r.evaluated} students; <strong>{r.flagged}</strong> would
        get a new flag.
      </p>
      {r.skipped && <Notice intent="info">On that day the rule would be skipped: {r.skipped}</Notice>}
      {c && (
        <p style={{ margin: "0 0 8px" }}>
          Against version {r.currentVersion}: <strong data-testid="newly">{c.newlyFlagged}</strong> newly flagged, <strong>{c.noLongerFlagged}</strong> no
          longer flagged.
        </p>
      )}
      <Table size="small" aria-label="Students the condition holds for, by programme and year">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Programme and year</TableHeaderCell>
            <TableHeaderCell>Students</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {r.byCohort.slice(0, 12).map((row) => (
            <TableRow key={row.cohort}>
              <TableCell>{row.cohort}</TableCell>
              <TableCell>{row.students}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <p>
        Over {r.load.days} days with cooldown: {r.load.flagsPerDay.mean} flags a day (at most {r.load.flagsPerDay.max}), reaching {r.load.reaches}. Per personal
        tutor: {r.load.perTutorPerDay.mean} a day across {r.load.perTutorPerDay.tutors} tutors, at most {r.load.perTutorPerDay.max}.
      </p>
      {r.volumeGuard?.wouldHold && <Notice intent="warning">The volume guard would hold these nudges for an admin: {r.volumeGuard.reason}</Notice>}
      <p style={{ color: "#605e5c", fontSize: 12 }}>Worked out in {dryRun.ms} ms. Groups under 5 are shown as "fewer than 5".</p>
    </div>
  );
}

function History({
  rule,
  canEdit,
  diff,
  onDiff,
  onRollback,
}: {
  rule: RuleDetail;
  canEdit: boolean;
  diff: { from: number; to: number; lines: DiffLine[] } | null;
  onDiff: (from: number, to: number) => void;
  onRollback: (to: number) => void;
}) {
  const time = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });
  return (
    <section aria-labelledby="history-title" style={{ marginTop: 24 }}>
      <h3 id="history-title" style={{ fontSize: 16 }}>
        History
      </h3>
      <Table size="small" aria-labelledby="history-title">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Version</TableHeaderCell>
            <TableHeaderCell>Author</TableHeaderCell>
            <TableHeaderCell>When</TableHeaderCell>
            <TableHeaderCell>Change note</TableHeaderCell>
            <TableHeaderCell>Actions</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {[...rule.versions].reverse().map((v) => (
            <TableRow key={v.version}>
              <TableCell>
                {v.version}
                {v.version === rule.version ? " (current)" : ""}
              </TableCell>
              <TableCell>{v.authorName ?? v.author ?? "Unknown"}</TableCell>
              <TableCell>{time.format(new Date(v.createdAt))}</TableCell>
              <TableCell>{v.comment ?? ""}</TableCell>
              <TableCell>
                {v.version > 1 && <Button size="small" onClick={() => onDiff(v.version - 1, v.version)}>{`Changes in version ${v.version}`}</Button>}{" "}
                {canEdit && v.version !== rule.version && (
                  <Button size="small" onClick={() => onRollback(v.version)}>{`Roll back to version ${v.version}`}</Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {diff && (
        <figure style={{ margin: "12px 0" }}>
          <figcaption>
            Changes from version {diff.from} to version {diff.to}
          </figcaption>
          <pre data-testid="diff" style={{ background: "#f5f5f5", padding: 8, overflowX: "auto", fontSize: 13 }}>
            {diff.lines.map((line, i) => (
              <div
                // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines are identified by their place.
                key={i}
                style={{ background: line.kind === "added" ? "#dff6dd" : line.kind === "removed" ? "#fde7e9" : undefined }}
              >
                {line.kind === "added" ? "+ " : line.kind === "removed" ? "- " : "  "}
                {line.kind === "added" ? (
                  <ins style={{ textDecoration: "none" }}>{line.text}</ins>
                ) : line.kind === "removed" ? (
                  <del style={{ textDecoration: "none" }}>{line.text}</del>
                ) : (
                  line.text
                )}
              </div>
            ))}
          </pre>
        </figure>
      )}
    </section>
  );
}
