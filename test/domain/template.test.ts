import { describe, expect, it } from 'vitest';
import {
  renderTemplate,
  templateVariables,
  variableAlias,
  variableFinder,
  variableLookup,
} from '../../src/domain/template.js';

describe('renderTemplate', () => {
  it('fills placeholders from the row variables', () => {
    expect(
      renderTemplate('Hello {first_name}, this is Ava from Acme.', { first_name: 'John' }),
    ).toBe('Hello John, this is Ava from Acme.');
    expect(
      renderTemplate('{first_name} {last_name} on {appointment_date}', {
        first_name: 'Ann',
        last_name: 'Lee',
        appointment_date: '2026-02-01',
      }),
    ).toBe('Ann Lee on 2026-02-01');
  });

  it('renders an unknown variable as empty text, never as the literal braces', () => {
    expect(renderTemplate('Hello {first_name}, about {plan}.', { first_name: 'Jo' })).toBe(
      'Hello Jo, about .',
    );
    expect(renderTemplate('Hi {}!', {})).toBe('Hi !');
  });

  it('tolerates spaces inside the braces and columns with spaces in their names', () => {
    expect(renderTemplate('{ first_name }/{due date}', { first_name: 'A', 'due date': 'B' })).toBe(
      'A/B',
    );
  });

  it('does not reach Object.prototype through a column name', () => {
    expect(renderTemplate('[{constructor}][{toString}]', {})).toBe('[][]');
  });

  it('keeps values verbatim (a value with braces is not rendered again)', () => {
    expect(renderTemplate('{a}', { a: '{b}', b: 'x' })).toBe('{b}');
  });

  it('finds a column by its normalised alias: {first_name} finds First Name', () => {
    const row = { 'First Name': 'José', 'E-Mail': 'jose@example.com', 'Plan (2026)': 'gold' };
    expect(renderTemplate('Hi {first_name} <{email}> {plan_2026} {FIRSTNAME}', row)).toBe(
      'Hi José <jose@example.com> gold José',
    );
    // Accents are folded: {prenom} and {prénom} find "Prénom".
    expect(renderTemplate('{prénom}/{prenom}', { Prénom: 'Zoë' })).toBe('Zoë/Zoë');
  });

  it('an exact name wins over an alias; among aliases the first in sort order, whatever the key order', () => {
    expect(renderTemplate('{first_name}', { 'First Name': 'A', first_name: 'B' })).toBe('B');
    expect(renderTemplate('{first_name}', { 'first name': 'b', 'First Name': 'A' })).toBe('A');
    expect(renderTemplate('{first_name}', { 'First Name': 'A', 'first name': 'b' })).toBe('A');
  });

  it('variableFinder and variableLookup, the one lookup every template reader uses', () => {
    const find = variableFinder(['First Name', 'plan', ' ']);
    expect([find('first_name'), find(' plan '), find('PLAN'), find('last_name'), find('')]).toEqual(
      ['First Name', 'plan', 'plan', undefined, undefined],
    );
    expect(variableLookup({ 'Last-Name': 'Lee' })('last_name')).toBe('Lee');
    expect(variableAlias('Mobile Phone #1')).toBe('mobilephone1');
  });

  it('lists the variables a template uses, once each, in order', () => {
    expect(templateVariables('Hi {first_name} {last_name}, {first_name}! {}')).toEqual([
      'first_name',
      'last_name',
    ]);
  });
});
