import { describe, expect, it } from 'vitest';
import { parseSipUri, transportProblem } from '../../src/domain/agent-transport.js';

// §21: an agent's transport is checked when it is stored, not when someone answers.

describe('SIP URIs', () => {
  it('parses user, host, port, parameters and headers', () => {
    expect(parseSipUri('sip:agent@sip.example.com')).toEqual({
      scheme: 'sip',
      user: 'agent',
      host: 'sip.example.com',
    });
    expect(parseSipUri('sips:+14155550100@10.0.0.7:5061;transport=tls')).toEqual({
      scheme: 'sips',
      user: '+14155550100',
      host: '10.0.0.7',
      port: 5061,
    });
    expect(parseSipUri('sip:[2001:db8::1]:5060')).toEqual({
      scheme: 'sip',
      host: '[2001:db8::1]',
      port: 5060,
    });
    expect(parseSipUri('sip:pipecat@agents.example.com?X-Team=blue')?.host).toBe(
      'agents.example.com',
    );
  });

  it('refuses what is not one', () => {
    for (const bad of [
      '',
      'agent@sip.example.com',
      'http://sip.example.com',
      'sip:',
      'sip:agent@',
      'sip:agent@-bad-.example.com',
      'sip:agent@sip.example.com:0',
      'sip:agent@sip.example.com:70000',
      'sip:agent@sip example.com',
      'sip:agent@sip.example.com\n',
    ]) {
      expect(parseSipUri(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe('transport problems', () => {
  it('stream: wss:// only', () => {
    expect(transportProblem({ type: 'stream', url: 'wss://agent.example.com/media' })).toBe(
      undefined,
    );
    for (const url of ['ws://agent.example.com', 'https://agent.example.com', 'wss://', 'x']) {
      expect(transportProblem({ type: 'stream', url }), url).toMatch(/wss:\/\//);
    }
    expect(transportProblem({ type: 'stream', url: 'wss://u:p@agent.example.com' })).toMatch(/wss/);
  });

  it('sip: a URI that parses', () => {
    expect(transportProblem({ type: 'sip', uri: 'sip:agent@sip.example.com' })).toBeUndefined();
    expect(transportProblem({ type: 'sip', uri: 'tel:+14155550100' })).toMatch(/SIP URI/);
  });

  it('twiml: https:// only', () => {
    expect(transportProblem({ type: 'twiml', url: 'https://example.com/twiml' })).toBeUndefined();
    expect(transportProblem({ type: 'twiml', url: 'http://example.com/twiml' })).toMatch(/https/);
  });
});
