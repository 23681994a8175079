import { useState } from 'preact/hooks';
import { agentSignIn, type AgentSignIn } from '@switchboard/client';
import type { ConsoleConfig } from '../shared/runtime-config.js';
import { SignInForm } from './sign-in-form.js';
import type { SignInSession } from './sign-in-session.js';
import { Workspace } from './workspace.js';

type Signed = { readonly token: string; readonly signIn: AgentSignIn } | { readonly token: null; readonly problem: string | null };

/** Reads a token into a sign-in, or the reason it cannot be one. */
function readToken(token: string | null): Signed {
  if (token === null) return { token: null, problem: null };
  try {
    return { token, signIn: agentSignIn(token) };
  } catch (error) {
    return { token: null, problem: `This token cannot sign in: ${(error as Error).message}.` };
  }
}

/** The agent console: the sign-in form until a token is given (typed, kept in the tab, or from the `#token=` link). */
export function ConsoleApp({ config, session }: { readonly config: ConsoleConfig; readonly session: SignInSession }) {
  const [signed, setSigned] = useState<Signed>(() => readToken(session.initialToken));
  if (signed.token === null) {
    return (
      <SignInForm
        problem={signed.problem}
        onSignIn={(token) => {
          const next = readToken(token);
          if (next.token !== null) session.keep(next.token);
          setSigned(next);
        }}
      />
    );
  }
  return (
    <Workspace
      key={signed.token}
      config={config}
      signIn={signed.signIn}
      session={session}
      onSignOut={(problem) => {
        session.forget();
        setSigned({ token: null, problem });
      }}
    />
  );
}
