// JSON objects: the listed properties in schema order, each optional one skippable, every
// required one present; and where the schema lets other keys in (additionalProperties,
// patternProperties), members with any other key and a value of the schema that key takes,
// anywhere between them. Listed keys are matched
// through a trie of the candidates' encoded text, so the automaton stays deterministic however
// many properties share a prefix.
import { byte, COMPACT, emit, Frame, type GrammarNode, type Separators, ValueFrame } from './frame.ts';
import type { ByteDfa } from './byte-dfa.ts';
import { FreeKey } from './free-key.ts';
import { afterSeparator, type LiteralNode, separatorNode } from './literal.ts';
import { PatternStringNode } from './pattern-string.ts';
import { StringNode } from './string.ts';

const ANY_KEY = new StringNode();

export interface Property {
  readonly name: string;
  readonly node: GrammarNode;
  readonly required: boolean;
}

const textEncoder = new TextEncoder();

/** The keys that may come next, from one slot: `name":` after the opening quote. */
interface KeyTrie {
  readonly children: Map<number, number>[];
  /** The property whose key ends at a node, or -1. */
  readonly property: number[];
  /** Bytes from a node to the end of the object the shortest way, and the first byte of that way. */
  readonly cost: number[];
  readonly towards: number[];
}

/** Where a member may start, `index` properties in: the properties before it are behind us. */
interface Slot {
  readonly keys: KeyTrie | null;
  /** `}` may come: no required property left. */
  readonly closed: boolean;
  /** Shortest member from here (quote, key, colon, value) with all that must follow. */
  readonly member: number;
  /** Which member that is: a property index, or -1 for a free key. */
  readonly memberChoice: number;
  /** Shortest way on after a member: `}`, or `,` and a member. */
  readonly after: number;
}

export class ObjectNode implements GrammarNode {
  properties: Property[] = [];
  /** The values' node for keys that are not listed, when the schema allows those; else null. */
  additional: GrammarNode | null = null;
  /** patternProperties (one pattern): the keys it matches, and their values' node. */
  pattern: { readonly dfa: ByteDfa; readonly value: GrammarNode } | null = null;
  /** Names other keys must not take: every listed property's, those with the schema false too. */
  excludedKeys: string[] = [];
  readonly separators: Separators;
  /** The separators as literals the frames step through. */
  readonly itemGap: LiteralNode | null;
  readonly keyGap: LiteralNode | null;
  shortest = Infinity;
  #slots: Slot[] = [];
  #keyTexts: Uint8Array[] = [];
  #freeKey: FreeKey | null = null;
  /** Bytes of `,` and `:` with their separators. */
  readonly #comma: number;
  readonly #colon: number;

  constructor(separators: Separators = COMPACT) {
    this.separators = separators;
    this.#comma = 1 + separators.item.length;
    this.#colon = 1 + separators.key.length;
    this.itemGap = separatorNode(separators.item);
    this.keyGap = separatorNode(separators.key);
  }

  measure(): boolean {
    const shortest = 1 + this.#open(this.#plan(false));
    if (!(shortest < this.shortest)) return false;
    this.shortest = shortest;
    return true;
  }

  prune(): void {
    this.properties = this.properties.filter((p) => p.node.shortest < Infinity);
    if (this.additional !== null && this.additional.shortest === Infinity) {
      this.additional = null;
      this.#freeKey = null;
    }
    this.#keyTexts = this.properties.map((p) => Uint8Array.of(...textEncoder.encode(`${JSON.stringify(p.name)}:`), ...this.separators.key));
    this.#slots = this.#plan(true);
  }

  /** The key of other members, or null when the schema lets none in. */
  get freeKey(): FreeKey | null {
    if (this.#freeKey === null && (this.additional !== null || this.pattern !== null)) this.#freeKey = this.#makeFreeKey();
    return this.#freeKey;
  }

  #makeFreeKey(): FreeKey {
    const { additional, pattern, excludedKeys } = this;
    // Any key, its value's schema told by the pattern; or, with no other keys allowed, only the
    // pattern's keys.
    if (additional !== null) return new FreeKey(excludedKeys, ANY_KEY, pattern?.dfa ?? null, true);
    const { dfa } = pattern!;
    return new FreeKey(excludedKeys, new PatternStringNode(dfa), null, !excludedKeys.some((name) => dfa.acceptsText(name)));
  }

  /** The value of another member: the pattern's when its key matches, else additionalProperties'. */
  freeValue(matched: boolean): GrammarNode {
    return matched || this.additional === null ? this.pattern!.value : this.additional;
  }

  /** Bytes of a free member's `:` and value. */
  freeValueCost(matched: boolean): number {
    return this.#colon + this.freeValue(matched).shortest;
  }

  writeShortest(out: number[]): void {
    out.push(byte('{'));
    this.writeOpen(out);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === byte('{')) out.push(new ObjectFrame(this, Phase.Open, 0, 0, next));
  }

  slot(index: number): Slot {
    return this.#slots[index]!;
  }

  openCost(): number {
    return this.#open(this.#slots);
  }

  writeOpen(out: number[]): void {
    if (this.#slots[0]!.closed) out.push(byte('}'));
    else this.writeMember(0, out);
  }

  writeAfter(index: number, out: number[]): void {
    if (this.#slots[index]!.closed) {
      out.push(byte('}'));
    } else {
      out.push(byte(','), ...this.separators.item);
      this.writeMember(index, out);
    }
  }

  writeMember(index: number, out: number[]): void {
    const choice = this.#slots[index]!.memberChoice;
    if (choice < 0) {
      const key = this.freeKey!.shortest!;
      out.push(...key.text);
      this.writeFreeValue(index, key.matched, out);
    } else {
      out.push(...this.#keyTexts[choice]!);
      this.properties[choice]!.node.writeShortest(out);
      this.writeAfter(choice + 1, out);
    }
  }

  /** After a free key, in slot `index`: its `:` and value, and the shortest way on. */
  writeFreeValue(index: number, matched: boolean, out: number[]): void {
    out.push(byte(':'), ...this.separators.key);
    this.freeValue(matched).writeShortest(out);
    this.writeAfter(index, out);
  }

  /** The member a key trie's node leads to the shortest way, from `at` on. */
  writeKeyFrom(keys: KeyTrie, at: number, out: number[]): void {
    let node = at;
    while (keys.property[node]! < 0) {
      const b = keys.towards[node]!;
      out.push(b);
      node = keys.children[node]!.get(b)!;
    }
    const property = keys.property[node]!;
    this.properties[property]!.node.writeShortest(out);
    this.writeAfter(property + 1, out);
  }

  #open(slots: readonly Slot[]): number {
    const first = slots[0]!;
    return first.closed ? 1 : first.member;
  }

  /** Every slot's costs from the children's current `shortest`, the last slot first (each
   * needs the later ones); with the key tries when `withKeys` (once pruned). */
  #plan(withKeys: boolean): Slot[] {
    const { properties } = this;
    const count = properties.length;
    const slots: Slot[] = [];
    const freeKey = this.freeKey?.shortest ?? null;
    const freeMember = freeKey === null ? Infinity : freeKey.text.length + this.freeValueCost(freeKey.matched);
    let requiredAt = count; // the first required property at or after the slot
    for (let index = count; index >= 0; index--) {
      if (index < count && properties[index]!.required) requiredAt = index;
      const closed = requiredAt === count;
      const candidates: number[] = [];
      for (let j = index; j < count && j <= requiredAt; j++) candidates.push(j);
      let member = Infinity;
      let memberChoice = -1;
      for (const j of candidates) {
        const cost = this.#keyLength(properties[j]!.name) + properties[j]!.node.shortest + slots[j + 1]!.after;
        if (cost < member) {
          member = cost;
          memberChoice = j;
        }
      }
      // A free member stays in this slot, so it only ever shortens a closed one (then `}` follows).
      if (closed) {
        const cost = freeMember + 1;
        if (cost < member) {
          member = cost;
          memberChoice = -1;
        }
      }
      const after = closed ? 1 : this.#comma + member;
      const keys = withKeys && candidates.length > 0 ? this.#keyTrie(candidates, slots) : null;
      slots[index] = { keys, closed, member, memberChoice, after };
    }
    return slots;
  }

  #keyLength(name: string): number {
    return textEncoder.encode(JSON.stringify(name)).length + this.#colon;
  }

  #keyTrie(candidates: readonly number[], slots: readonly Slot[]): KeyTrie {
    const keys: KeyTrie = { children: [new Map()], property: [-1], cost: [], towards: [] };
    for (const j of candidates) {
      let at = 0;
      for (const b of this.#keyTexts[j]!.subarray(1)) {
        let child = keys.children[at]!.get(b);
        if (child === undefined) {
          child = keys.children.length;
          keys.children[at]!.set(b, child);
          keys.children.push(new Map());
          keys.property.push(-1);
        }
        at = child;
      }
      keys.property[at] = j;
    }
    for (let at = keys.children.length - 1; at >= 0; at--) {
      const property = keys.property[at]!;
      let cost = property >= 0 ? this.properties[property]!.node.shortest + slots[property + 1]!.after : Infinity;
      let towards = -1;
      for (const [b, child] of keys.children[at]!) {
        if (keys.cost[child]! + 1 < cost) {
          cost = keys.cost[child]! + 1;
          towards = b;
        }
      }
      keys.cost[at] = cost;
      keys.towards[at] = towards;
    }
    return keys;
  }
}


const Phase = { Open: 0, After: 1, Comma: 2, Key: 3, Colon: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** After '{' (Open), after a member (After), after ',' (Comma), inside a listed key (Key, at a
 * trie node), after a free key (Colon). `index` is the slot. */
class ObjectFrame extends Frame {
  readonly node: ObjectNode;
  readonly phase: Phase;
  readonly index: number;
  readonly at: number;

  constructor(node: ObjectNode, phase: Phase, index: number, at: number, next: Frame | null) {
    super(next);
    this.node = node;
    this.phase = phase;
    this.index = index;
    this.at = at;
  }

  step(b: number, out: Frame[]): void {
    const { node, index } = this;
    const slot = node.slot(index);
    switch (this.phase) {
      case Phase.Open:
      case Phase.After:
        if (b === byte('}')) {
          if (slot.closed) emit(out, this.next!);
        } else if (this.phase === Phase.Open ? b === byte('"') : b === byte(',')) {
          if (this.phase === Phase.Open) this.#startKey(slot, out);
          else if (slot.keys !== null || node.freeKey !== null) {
            out.push(afterSeparator(node.itemGap, new ObjectFrame(node, Phase.Comma, index, 0, this.next)));
          }
        }
        return;
      case Phase.Comma:
        if (b === byte('"')) this.#startKey(slot, out);
        return;
      case Phase.Key: {
        const keys = slot.keys!;
        const child = keys.children[this.at]!.get(b);
        if (child === undefined) return;
        const property = keys.property[child]!;
        if (property < 0) out.push(new ObjectFrame(node, Phase.Key, index, child, this.next));
        else out.push(new ValueFrame(node.properties[property]!.node, new ObjectFrame(node, Phase.After, property + 1, 0, this.next)));
        return;
      }
      case Phase.Colon:
        if (b === byte(':')) {
          const value = new ValueFrame(node.freeValue(this.at === 1), new ObjectFrame(node, Phase.After, index, 0, this.next));
          out.push(afterSeparator(node.keyGap, value));
        }
    }
  }

  #startKey(slot: Slot, out: Frame[]): void {
    if (slot.keys !== null) out.push(new ObjectFrame(this.node, Phase.Key, this.index, 0, this.next));
    const key = this.node.freeKey;
    if (key === null) return;
    const matched = key.dfa === null ? null : new ObjectFrame(this.node, Phase.Colon, this.index, 1, this.next);
    key.start(byte('"'), new ObjectFrame(this.node, Phase.Colon, this.index, 0, this.next), matched, out);
  }

  protected ownCost(): number {
    const { node } = this;
    const slot = node.slot(this.index);
    switch (this.phase) {
      case Phase.Open:
        return node.openCost();
      case Phase.After:
        return slot.after;
      case Phase.Comma:
        return slot.member;
      case Phase.Key:
        return slot.keys!.cost[this.at]!;
      case Phase.Colon:
        return node.freeValueCost(this.at === 1) + slot.after;
    }
  }

  writeOwnClosing(out: number[]): void {
    const { node } = this;
    switch (this.phase) {
      case Phase.Open:
        return node.writeOpen(out);
      case Phase.After:
        return node.writeAfter(this.index, out);
      case Phase.Comma:
        return node.writeMember(this.index, out);
      case Phase.Key:
        return node.writeKeyFrom(node.slot(this.index).keys!, this.at, out);
      case Phase.Colon:
        return node.writeFreeValue(this.index, this.at === 1, out);
    }
  }
}
