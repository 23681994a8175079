import { describe, expect, it } from 'vitest';
import { WORKFLOW } from '@switchboard/protocol';
import type { WorkflowState } from '../repositories/conversations.js';
import { nextWorkflowState, type ConversationUpdate } from './conversation-workflow.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const at = (ms: number) => new Date(NOW + ms).toISOString();
const open: WorkflowState = { status: 'open', snoozed_until: null, assignee_id: null };
const snoozed: WorkflowState = { status: 'snoozed', snoozed_until: new Date(NOW + 60_000), assignee_id: 'agent-1' };
const maxAhead = WORKFLOW.snoozeMaxSeconds * 1000;

describe('nextWorkflowState', () => {
  it.each<[string, WorkflowState, ConversationUpdate, WorkflowState]>([
    ['snooze', open, { status: 'snoozed', snoozed_until: at(1) }, { status: 'snoozed', snoozed_until: new Date(NOW + 1), assignee_id: null }],
    ['snooze the furthest allowed', open, { status: 'snoozed', snoozed_until: at(maxAhead) }, { status: 'snoozed', snoozed_until: new Date(NOW + maxAhead), assignee_id: null }],
    ['re-time a snoozed one', snoozed, { snoozed_until: at(120_000) }, { ...snoozed, snoozed_until: new Date(NOW + 120_000) }],
    ['reopen clears the time, keeps the assignee', snoozed, { status: 'open' }, { status: 'open', snoozed_until: null, assignee_id: 'agent-1' }],
    ['close clears the time', snoozed, { status: 'closed', snoozed_until: null }, { status: 'closed', snoozed_until: null, assignee_id: 'agent-1' }],
    ['assign alone', open, { assignee_id: 'agent-2' }, { ...open, assignee_id: 'agent-2' }],
    ['unassign alone keeps the snooze', snoozed, { assignee_id: null }, { ...snoozed, assignee_id: null }],
    ['an offset is the same instant', open, { status: 'snoozed', snoozed_until: '2026-12-05T13:00:01+01:00' }, { status: 'snoozed', snoozed_until: new Date(NOW + 1000), assignee_id: null }],
  ])('nextWorkflowState - %s', (_name, row, update, next) => {
    expect(nextWorkflowState(row, update, NOW)).toEqual(next);
  });

  it.each<[string, WorkflowState, ConversationUpdate]>([
    ['a time now is not in the future', open, { status: 'snoozed', snoozed_until: at(0) }],
    ['a past time', open, { status: 'snoozed', snoozed_until: at(-1) }],
    ['one millisecond too far', open, { status: 'snoozed', snoozed_until: at(maxAhead + 1) }],
    ['a time alone on an open conversation', open, { snoozed_until: at(1000) }],
    ['null alone on a snoozed conversation', snoozed, { snoozed_until: null }],
    ['re-timing into the past', snoozed, { snoozed_until: at(-1000) }],
  ])('nextWorkflowState - refused: %s (400 naming snoozed_until)', (_name, row, update) => {
    expect(() => nextWorkflowState(row, update, NOW)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', fields: [expect.objectContaining({ path: 'snoozed_until' })] }));
  });
});
