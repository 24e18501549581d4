// The agent fields a dial needs, selected (as `ag`) by the engine's queries and mapped one way.

/** Select list for an `agents ag` join. */
export const DIAL_AGENT_COLUMNS = `ag.id AS agent_id, ag.name AS agent_name, ag.greeting, ag.prompt,
            ag.from_number, ag.provider AS agent_provider`;

export interface DialAgentRow {
  agent_id: string;
  agent_name: string;
  greeting: string;
  prompt: string;
  from_number: string | null;
  agent_provider: string;
}

export interface DialAgentRecord {
  id: string;
  name: string;
  greeting: string;
  prompt: string;
  fromNumber: string | null;
  provider: string;
}

export const toDialAgent = (r: DialAgentRow): DialAgentRecord => ({
  id: r.agent_id,
  name: r.agent_name,
  greeting: r.greeting,
  prompt: r.prompt,
  fromNumber: r.from_number,
  provider: r.agent_provider,
});
