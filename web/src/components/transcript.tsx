/** `Agent: …` / `Customer: …` lines as a conversation; any other line stays as it is. */
export function Transcript({ text }: { text: string }) {
  const turns = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const m = /^(Agent|Customer):\s?(.*)$/.exec(line);
      return m ? { who: m[1]!, said: m[2]! } : { who: '', said: line };
    });
  return (
    <ol class="transcript" aria-label="Transcript">
      {turns.map((t, i) => (
        <li key={i} class={`turn turn-${t.who.toLowerCase() || 'other'}`}>
          {t.who ? <span class="speaker">{t.who}</span> : null}
          <p>{t.said}</p>
        </li>
      ))}
    </ol>
  );
}
