import { useState } from 'react';
import { setToken } from '../api-client.js';
import { Field } from './field.js';

/** Asks for the token the server printed at start (when it listens beyond loopback). */
export function TokenForm({ onSaved }: { onSaved: () => void }) {
  const [token, setValue] = useState('');
  return (
    <main className="app narrow" id="main">
      <h1>Lockstep</h1>
      <p>This server needs the token it printed when it started.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(token.trim());
          onSaved();
        }}
      >
        <Field label="Token">
          <input type="password" value={token} onChange={(e) => setValue(e.target.value)} autoComplete="off" required />
        </Field>
        <button type="submit" className="primary">
          Continue
        </button>
      </form>
    </main>
  );
}
