import { Injectable } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { PHASES, Phase } from '@app/protocol';

/** What the participant does with a phase call before its barrier runs. */
export const FAULT_MODES = ['ok', 'refuse', 'fail500', 'hang', 'failTimes'] as const;

/** One of {@link FAULT_MODES}. */
export type FaultMode = (typeof FAULT_MODES)[number];

/** How long a hanging call waits before it runs, unless the rule says otherwise. */
export const DEFAULT_HANG_MS = 5000;

/**
 * A fault for one phase. `ok` runs the call; `refuse` answers 409 and
 * `fail500` answers 500 without touching the barrier; `hang` waits `hangMs`
 * and then runs the call (its caller has given up by then); `failTimes`
 * answers 500 to the next `times` calls and then runs them. `times` limits
 * any mode to that many calls; without it the fault stays.
 */
export class FaultRule {
  @IsIn(FAULT_MODES) mode: FaultMode;
  // Required for failTimes, optional for the others.
  @ValidateIf((rule: FaultRule) => rule.mode === 'failTimes' || rule.times !== undefined)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  times?: number;
  @IsOptional() @IsInt() @Min(0) @Max(120_000) hangMs?: number;
}

/** Faults carried in a `pay` payload, counted per branch. */
export class PayloadFaults {
  @IsOptional() @ValidateNested() @Type(() => FaultRule) try?: FaultRule;
  @IsOptional() @ValidateNested() @Type(() => FaultRule) confirm?: FaultRule;
  @IsOptional() @ValidateNested() @Type(() => FaultRule) cancel?: FaultRule;
}

/** What to do with one call. */
export type FaultAction =
  { kind: 'pass' } | { kind: 'refuse' } | { kind: 'fail' } | { kind: 'hang'; ms: number };

interface ActiveRule {
  rule: FaultRule;
  used: number;
}

/** Reads a fault rule from an unvalidated payload, or null (the barrier's validation answers bad ones). */
export function payloadRule(payload: unknown, phase: Phase): FaultRule | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const faults = (payload as { faults?: unknown }).faults;
  if (typeof faults !== 'object' || faults === null) return null;
  const rule = (faults as Record<string, unknown>)[phase];
  if (typeof rule !== 'object' || rule === null) return null;
  const { mode } = rule as { mode?: unknown };
  return FAULT_MODES.includes(mode as FaultMode) ? (rule as FaultRule) : null;
}

/**
 * The faults the test participant is told to inject: one rule per phase set
 * through `POST /control`, and rules carried by a payload that apply to that
 * branch only. A payload rule wins over the phase's rule.
 */
@Injectable()
export class FaultPlan {
  private readonly rules = new Map<Phase, ActiveRule>();
  private readonly branchUses = new Map<string, number>();

  /** Replaces the rule of `phase`; `ok` removes it. */
  set(phase: Phase, rule: FaultRule): void {
    if (rule.mode === 'ok') this.rules.delete(phase);
    else this.rules.set(phase, { rule, used: 0 });
  }

  /** The rule of each phase, with how many calls it has hit so far. */
  describe(): Record<string, { rule: FaultRule; used: number } | null> {
    return Object.fromEntries(PHASES.map((phase) => [phase, this.rules.get(phase) ?? null]));
  }

  /** Decides what happens to one call and counts it against the rule that applies. */
  take(phase: Phase, branchId: string, fromPayload: FaultRule | null): FaultAction {
    if (fromPayload) {
      const key = `${branchId}:${phase}`;
      const used = this.branchUses.get(key) ?? 0;
      this.branchUses.set(key, used + 1);
      return actionFor(fromPayload, used);
    }
    const active = this.rules.get(phase);
    if (!active) return { kind: 'pass' };
    const action = actionFor(active.rule, active.used);
    active.used += 1;
    return action;
  }
}

function actionFor(rule: FaultRule, used: number): FaultAction {
  if (rule.times !== undefined && used >= rule.times) return { kind: 'pass' };
  switch (rule.mode) {
    case 'ok':
      return { kind: 'pass' };
    case 'refuse':
      return { kind: 'refuse' };
    case 'fail500':
    case 'failTimes':
      return { kind: 'fail' };
    case 'hang':
      return { kind: 'hang', ms: rule.hangMs ?? DEFAULT_HANG_MS };
  }
}
