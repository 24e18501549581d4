import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { href, type Route } from '../router';

const NAV = [
  { to: href.batches(), label: 'Batches', pages: ['batches', 'batch', 'new-batch'] },
  { to: href.agents(), label: 'Agents', pages: ['agents', 'agent'] },
  { to: href.dnc(), label: 'Do not call', pages: ['dnc'] },
  { to: href.webhooks(), label: 'Webhooks', pages: ['webhooks', 'webhook'] },
  { to: href.settings(), label: 'Settings', pages: ['settings'] },
];

export function Layout(props: {
  route: Route;
  workspaceId: string;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const main = useRef<HTMLElement>(null);
  // A new page moves focus to its content, as a page load would, so keyboard and screen reader
  // users start at the top of what changed.
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [props.route.page, 'id' in props.route ? props.route.id : '']);
  return (
    <>
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href={href.batches()}>
          <img src="/favicon.svg" alt="" width={24} height={24} />
          Outdial
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <a
                  href={n.to}
                  aria-current={n.pages.includes(props.route.page) ? 'page' : undefined}
                >
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="workspace-id" title="Workspace">
            {props.workspaceId}
          </span>
          <button type="button" class="button-quiet" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}

/** An error the API or the network gave, in words, where the user is looking. */
export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p class="note note-error" role="alert">
      {error.message}
    </p>
  );
}

export function Pager(props: {
  page: number;
  totalPages: number;
  label: string;
  onPage: (page: number) => void;
}) {
  const { page, totalPages } = props;
  // What the user is typing survives the live refreshes; a new page shows its own number.
  const [draft, setDraft] = useState(String(page));
  useEffect(() => setDraft(String(page)), [page]);
  if (totalPages <= 1) return null;
  const go = (n: number) => {
    if (Number.isInteger(n) && n >= 1 && n <= totalPages && n !== page) props.onPage(n);
  };
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={page <= 1} onClick={() => go(page - 1)}>
        ← Previous
      </button>
      <form
        class="pager-page"
        onSubmit={(e) => {
          e.preventDefault();
          go(Number(draft));
        }}
      >
        <label for={`${props.label}-page`}>Page</label>
        <input
          id={`${props.label}-page`}
          name="page"
          type="number"
          min={1}
          max={totalPages}
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
          // Enter or leaving the field goes there: a long list is reached without clicking.
          onChange={(e) => go(Number(e.currentTarget.value))}
        />
        <span>of {totalPages.toLocaleString()}</span>
      </form>
      <button type="button" disabled={page >= totalPages} onClick={() => go(page + 1)}>
        Next →
      </button>
    </nav>
  );
}

/** What an action did, said where the user is looking. */
export function OkNote({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="note note-ok" role="status">
      {message}
    </p>
  );
}

/** A page whose subject is not read yet: the way back, then why it is missing or that it loads. */
export function NotLoaded(props: {
  back: { href: string; label: string };
  what: string;
  load: { error: Error | undefined; loading: boolean };
}) {
  return (
    <section>
      <p>
        <a href={props.back.href}>← {props.back.label}</a>
      </p>
      <ErrorNote error={props.load.error} />
      {props.load.loading ? <p class="muted">Loading the {props.what}…</p> : null}
    </section>
  );
}
