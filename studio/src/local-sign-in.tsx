/** Local mode only (the service refuses it in production): sign in as a chosen member of staff. */
import { Button, Field, Select } from "@fluentui/react-components";
import { useEffect, useState } from "react";
import { Notice } from "./ui.tsx";

interface StaffChoice {
  staffNumber: string;
  displayName: string;
  roles: string[];
}

export function LocalSignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [staff, setStaff] = useState<StaffChoice[]>([]);
  const [chosen, setChosen] = useState("");
  useEffect(() => {
    fetch("/studio/api/local/staff", { credentials: "omit" })
      .then((r) => r.json() as Promise<{ staff: StaffChoice[] }>)
      .then((body) => {
        setStaff(body.staff);
        setChosen(body.staff[0]?.staffNumber ?? "");
      });
  }, []);
  const signIn = async () => {
    const response = await fetch("/studio/api/local/sign-in", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ staffNumber: chosen }),
    });
    if (response.ok) onSignedIn(((await response.json()) as { token: string }).token);
  };
  return (
    <section aria-labelledby="local-title" style={{ display: "grid", gap: 12, maxWidth: 480 }}>
      <h2 id="local-title" style={{ fontSize: 20, margin: 0 }}>
        Development sign-in
      </h2>
      <Notice intent="warning">Local mode: for development only. This sign-in does not exist when the service runs in production.</Notice>
      <Field label="Sign in as">
        <Select value={chosen} onChange={(_e, data) => setChosen(data.value)}>
          {staff.map((s) => (
            <option key={s.staffNumber} value={s.staffNumber}>
              {s.displayName} ({s.staffNumber}; {s.roles.join(", ") || "no role"})
            </option>
          ))}
        </Select>
      </Field>
      <div>
        <Button appearance="primary" onClick={signIn} disabled={!chosen}>
          Sign in
        </Button>
      </div>
    </section>
  );
}
