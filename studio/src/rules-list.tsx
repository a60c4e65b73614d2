/** Every rule: state, version, owner, last run, and flags a day over four weeks. */
import { Badge, Button, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from "@fluentui/react-components";
import { useEffect, useState } from "react";
import { api, ApiError, type RuleRow } from "./api.ts";
import { FlagsChart, Notice } from "./ui.tsx";

export function RulesList({ canEdit, onOpen }: { canEdit: boolean; onOpen: (id: string) => void }) {
  const [rules, setRules] = useState<RuleRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ rules: RuleRow[] }>("/rules")
      .then((body) => setRules(body.rules))
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : "The rules could not be loaded."));
  }, []);
  if (error) return <Notice intent="error">{error}</Notice>;
  if (!rules) return <p>Loading the rules…</p>;
  return (
    <section aria-labelledby="rules-title">
      <h2 id="rules-title" style={{ fontSize: 20 }}>
        Rules
      </h2>
      {rules.length === 0 && <p>No rules yet.</p>}
      <Table aria-labelledby="rules-title" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Rule</TableHeaderCell>
            <TableHeaderCell>State</TableHeaderCell>
            <TableHeaderCell>Version</TableHeaderCell>
            <TableHeaderCell>Owner</TableHeaderCell>
            <TableHeaderCell>Last run</TableHeaderCell>
            <TableHeaderCell>Flags a day, last 4 weeks</TableHeaderCell>
            {canEdit && <TableHeaderCell>Action</TableHeaderCell>}
          </TableRow>
        </TableHeader>
        <TableBody>
          {rules.map((rule) => (
            <TableRow key={rule.id}>
              <TableCell>
                <strong>{rule.title}</strong>
                <br />
                <code>{rule.id}</code>
              </TableCell>
              <TableCell>
                <Badge appearance="tint" color={rule.enabled ? "success" : "informative"}>
                  {rule.enabled ? "Enabled" : "Disabled"}
                </Badge>
              </TableCell>
              <TableCell>{rule.version}</TableCell>
              <TableCell>{rule.owner ?? "None"}</TableCell>
              <TableCell>{rule.lastRun ?? "Not run yet"}</TableCell>
              <TableCell>
                <FlagsChart days={rule.flagsPerDay} />
              </TableCell>
              {canEdit && (
                <TableCell>
                  <Button onClick={() => onOpen(rule.id)} aria-label={`Open ${rule.title}`}>
                    Open
                  </Button>
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </section>
  );
}
