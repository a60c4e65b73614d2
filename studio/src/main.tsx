/**
 * The rules studio: sign in (Teams single sign-on in Teams; the development sign-in in local
 * mode), then the rules list, the editor with live validation and dry run, publish, history with
 * a diff, roll back, enable and disable. Everything it shows comes from /studio/api.
 */
import { FluentProvider, teamsLightTheme } from "@fluentui/react-components";
import { app as teamsApp, authentication } from "@microsoft/teams-js";
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, ApiError, type Me, setToken } from "./api.ts";
import { Editor } from "./editor.tsx";
import { LocalSignIn } from "./local-sign-in.tsx";
import { RulesList } from "./rules-list.tsx";
import { Notice } from "./ui.tsx";

type Stage =
  | { kind: "starting" }
  | { kind: "local" }
  | { kind: "outside-teams" }
  | { kind: "refused"; message: string }
  | { kind: "ready"; me: Me; rule: string | null };

/** Inside Teams the page is framed; outside (a browser) Teams' client would wait for a host that never answers. */
async function teamsToken(): Promise<string | null> {
  if (window.parent === window) return null;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000));
  const token = (async () => {
    await teamsApp.initialize();
    return authentication.getAuthToken();
  })();
  return Promise.race([token, timeout]);
}

function Studio() {
  const [stage, setStage] = useState<Stage>({ kind: "starting" });

  const enter = async (token: string) => {
    setToken(token);
    try {
      const me = await api<Me>("/me");
      const rule = new URLSearchParams(window.location.search).get("rule");
      setStage({ kind: "ready", me, rule });
    } catch (error) {
      setStage({ kind: "refused", message: error instanceof ApiError ? error.message : "The studio could not start. Please reload the page." });
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: signing in happens once, when the page opens.
  useEffect(() => {
    (async () => {
      const token = await teamsToken().catch(() => null);
      if (token) return enter(token);
      const local = await fetch("/studio/api/local/staff", { credentials: "omit" });
      setStage({ kind: local.ok ? "local" : "outside-teams" });
    })();
  }, []);

  const open = (rule: string | null) => {
    if (stage.kind !== "ready") return;
    const url = new URL(window.location.href);
    if (rule) url.searchParams.set("rule", rule);
    else url.searchParams.delete("rule");
    window.history.pushState(null, "", url);
    setStage({ ...stage, rule });
  };

  return (
    <main style={{ maxWidth: 1280, margin: "0 auto", padding: "16px 24px" }}>
      <h1 style={{ fontSize: 24, margin: "0 0 12px" }}>Rules studio</h1>
      {stage.kind === "starting" && <p>Signing you in…</p>}
      {stage.kind === "local" && <LocalSignIn onSignedIn={enter} />}
      {stage.kind === "outside-teams" && <Notice intent="info">Open the Nudge app in Microsoft Teams to use the rules studio.</Notice>}
      {stage.kind === "refused" && <Notice intent="error">{stage.message}</Notice>}
      {stage.kind === "ready" && (
        <>
          <p style={{ margin: "0 0 12px" }}>Signed in as {stage.me.displayName}</p>
          {stage.rule ? (
            <Editor id={stage.rule} canEdit={stage.me.canEdit} onBack={() => open(null)} />
          ) : (
            <RulesList canEdit={stage.me.canEdit} onOpen={open} />
          )}
        </>
      )}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <FluentProvider theme={teamsLightTheme}>
      <Studio />
    </FluentProvider>
  </StrictMode>,
);
