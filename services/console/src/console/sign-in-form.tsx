import { useState } from 'preact/hooks';

export interface SignInFormProps {
  /** Why the last sign-in ended or failed (a refused or unreadable token), shown as an alert. */
  readonly problem: string | null;
  readonly onSignIn: (token: string) => void;
}

/** Sign in with an agent token (a JWT from your backend) or the app's admin token: the token names its app. */
export function SignInForm({ problem, onSignIn }: SignInFormProps) {
  const [token, setToken] = useState('');
  return (
    <main class="sign-in">
      <h1>Switchboard console</h1>
      <form
        aria-labelledby="sign-in-title"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onSignIn(token.trim());
        }}
      >
        <h2 id="sign-in-title">Sign in</h2>
        <label for="sign-in-token">Agent or admin token</label>
        <input
          id="sign-in-token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <p class="hint">
          An agent token is a JWT your backend signs for the agent; the admin token is the app's (<code>npm start</code> prints a
          sign-in link for its demo app).
        </p>
        {problem && (
          <p role="alert" class="problem">
            {problem}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
