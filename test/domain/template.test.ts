import { describe, expect, it } from 'vitest';
import { renderTemplate, templateVariables } from '../../src/domain/template.js';

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

  it('lists the variables a template uses, once each, in order', () => {
    expect(templateVariables('Hi {first_name} {last_name}, {first_name}! {}')).toEqual([
      'first_name',
      'last_name',
    ]);
  });
});
