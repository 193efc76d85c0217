// JSON objects: the listed properties in any order, each at most once, every required one
// present; and where the schema lets other keys in (additionalProperties, patternProperties),
// members with any other key and a value of the schema that key takes, anywhere between them.
// JSON Schema gives keys no order, so neither does the grammar: a model may write them as it
// likes. Listed keys are matched through a trie of the keys not yet written, so the automaton
// stays deterministic however many properties share a prefix.
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

/** The keys that may come next in a slot: `name":` after the opening quote. */
interface KeyTrie {
  readonly children: Map<number, number>[];
  /** The property whose key ends at a node, or -1. */
  readonly property: number[];
  /** Bytes from a node to the end of the object the shortest way, and the first byte of that way. */
  readonly cost: number[];
  readonly towards: number[];
}

/** Where a member may start, given the listed properties already written (`seen`). Slots are
 * made when a document reaches them and kept by the node, one per set of written properties. */
class Slot {
  readonly #node: ObjectNode;
  readonly seen: readonly boolean[];
  /** Required properties not written yet, in schema order. */
  readonly missing: readonly number[];
  /** `}` may come: no required property left. */
  readonly closed: boolean;
  /** Some listed property is left to write. */
  readonly open: boolean;
  /** Shortest member from here (quote, key, colon, value) with all that must follow. */
  readonly member: number;
  /** Which member that is: a property index, or -1 for a free key. */
  readonly memberChoice: number;
  /** Shortest way on after a member: `}`, or `,` and a member. */
  readonly after: number;
  /** The slots after each property, once a document got there. */
  readonly successors = new Map<number, Slot>();
  #keys: KeyTrie | null = null;

  constructor(node: ObjectNode, seen: readonly boolean[]) {
    this.#node = node;
    this.seen = seen;
    const { properties } = node;
    this.missing = properties.flatMap((p, i) => (p.required && !seen[i] ? [i] : []));
    this.closed = this.missing.length === 0;
    this.open = seen.includes(false);
    if (this.closed) {
      // Any one member, then `}`: the shortest unwritten property, or a free member.
      let member = node.freeMember();
      let memberChoice = -1;
      properties.forEach((_, i) => {
        if (!seen[i] && node.memberLength(i) < member) {
          member = node.memberLength(i);
          memberChoice = i;
        }
      });
      this.member = member + 1;
      this.memberChoice = memberChoice;
      this.after = 1;
    } else {
      // The missing ones in schema order: any other member only adds bytes.
      this.member = node.rest(this.missing);
      this.memberChoice = this.missing[0]!;
      this.after = node.commaLength + this.member;
    }
  }

  /** The bytes after property `index`'s value from here: the rest of the missing ones, or `}`. */
  afterWriting(index: number): number {
    const missing = this.missing.filter((i) => i !== index);
    return missing.length === 0 ? 1 : this.#node.commaLength + this.#node.rest(missing);
  }

  /** The trie of the keys not written yet (null when every listed one is). */
  get keys(): KeyTrie | null {
    if (this.#keys === null && this.open) this.#keys = this.#trie();
    return this.#keys;
  }

  #trie(): KeyTrie {
    const node = this.#node;
    const keys: KeyTrie = { children: [new Map()], property: [-1], cost: [], towards: [] };
    node.properties.forEach((_, j) => {
      if (this.seen[j]) return;
      let at = 0;
      for (const b of node.keyText(j).subarray(1)) {
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
    });
    for (let at = keys.children.length - 1; at >= 0; at--) {
      const property = keys.property[at]!;
      let cost = property >= 0 ? node.properties[property]!.node.shortest + this.afterWriting(property) : Infinity;
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
  /** Bytes of `,` with its separator. */
  readonly commaLength: number;
  /** Slots by the written properties ('0'/'1' per property). */
  #slots = new Map<string, Slot>();
  #first: Slot | null = null;
  /** Each name's key as written, `"name":` and the separator. */
  readonly #keyTexts = new Map<string, Uint8Array>();
  #freeKey: FreeKey | null = null;
  /** Bytes of `:` with its separator. */
  readonly #colon: number;

  constructor(separators: Separators = COMPACT) {
    this.separators = separators;
    this.commaLength = 1 + separators.item.length;
    this.#colon = 1 + separators.key.length;
    this.itemGap = separatorNode(separators.item);
    this.keyGap = separatorNode(separators.key);
  }

  measure(): boolean {
    const required = this.properties.flatMap((p, i) => (p.required ? [i] : []));
    const shortest = 1 + (required.length === 0 ? 1 : this.rest(required));
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
    this.#slots.clear();
    this.#first = null;
  }

  /** The slot before the first member. */
  get first(): Slot {
    return (this.#first ??= this.#slot(this.properties.map(() => false)));
  }

  /** The slot after `from` and property `index`. */
  slotAfter(from: Slot, index: number): Slot {
    let slot = from.successors.get(index);
    if (slot === undefined) {
      slot = this.#slot(from.seen.map((seen, i) => seen || i === index));
      from.successors.set(index, slot);
    }
    return slot;
  }

  #slot(seen: boolean[]): Slot {
    const key = seen.map((s) => (s ? '1' : '0')).join('');
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = new Slot(this, seen);
      this.#slots.set(key, slot);
    }
    return slot;
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

  /** Bytes of the shortest free member (Infinity when none may come). */
  freeMember(): number {
    const key = this.freeKey?.shortest ?? null;
    return key === null ? Infinity : key.text.length + this.freeValueCost(key.matched);
  }

  /** Property `index`'s key as written: `"name":` and the separator. */
  keyText(index: number): Uint8Array {
    const { name } = this.properties[index]!;
    let text = this.#keyTexts.get(name);
    if (text === undefined) {
      text = Uint8Array.of(...textEncoder.encode(`${JSON.stringify(name)}:`), ...this.separators.key);
      this.#keyTexts.set(name, text);
    }
    return text;
  }

  /** Bytes of property `index`'s member: key, colon, shortest value. */
  memberLength(index: number): number {
    return this.keyText(index).length + this.properties[index]!.node.shortest;
  }

  /** Bytes of members `indices` with commas between them, and `}`. */
  rest(indices: readonly number[]): number {
    let bytes = 1 + (indices.length - 1) * this.commaLength;
    for (const i of indices) bytes += this.memberLength(i);
    return bytes;
  }

  writeShortest(out: number[]): void {
    out.push(byte('{'));
    this.writeOpen(this.first, out);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === byte('{')) out.push(new ObjectFrame(this, Phase.Open, this.first, 0, next));
  }

  writeOpen(slot: Slot, out: number[]): void {
    if (slot.closed) out.push(byte('}'));
    else this.writeMember(slot, out);
  }

  writeAfter(slot: Slot, out: number[]): void {
    if (slot.closed) {
      out.push(byte('}'));
    } else {
      out.push(byte(','), ...this.separators.item);
      this.writeMember(slot, out);
    }
  }

  writeMember(slot: Slot, out: number[]): void {
    const choice = slot.memberChoice;
    if (choice < 0) {
      const key = this.freeKey!.shortest!;
      out.push(...key.text);
      this.writeFreeValue(slot, key.matched, out);
    } else {
      out.push(...this.keyText(choice));
      this.properties[choice]!.node.writeShortest(out);
      this.writeAfter(this.slotAfter(slot, choice), out);
    }
  }

  /** After a free key: its `:` and value, and the shortest way on. */
  writeFreeValue(slot: Slot, matched: boolean, out: number[]): void {
    out.push(byte(':'), ...this.separators.key);
    this.freeValue(matched).writeShortest(out);
    this.writeAfter(slot, out);
  }

  /** The member a key trie's node leads to the shortest way, from `at` on. */
  writeKeyFrom(slot: Slot, at: number, out: number[]): void {
    const keys = slot.keys!;
    let node = at;
    while (keys.property[node]! < 0) {
      const b = keys.towards[node]!;
      out.push(b);
      node = keys.children[node]!.get(b)!;
    }
    const property = keys.property[node]!;
    this.properties[property]!.node.writeShortest(out);
    this.writeAfter(this.slotAfter(slot, property), out);
  }
}

const Phase = { Open: 0, After: 1, Comma: 2, Key: 3, Colon: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** After '{' (Open), after a member (After), after ',' (Comma), inside a listed key (Key, at a
 * trie node), after a free key (Colon; `at` 1 when the pattern matched it). */
class ObjectFrame extends Frame {
  readonly node: ObjectNode;
  readonly phase: Phase;
  readonly slot: Slot;
  readonly at: number;

  constructor(node: ObjectNode, phase: Phase, slot: Slot, at: number, next: Frame | null) {
    super(next);
    this.node = node;
    this.phase = phase;
    this.slot = slot;
    this.at = at;
  }

  step(b: number, out: Frame[]): void {
    const { node, slot } = this;
    switch (this.phase) {
      case Phase.Open:
      case Phase.After:
        if (b === byte('}')) {
          if (slot.closed) emit(out, this.next!);
        } else if (this.phase === Phase.Open ? b === byte('"') : b === byte(',')) {
          if (this.phase === Phase.Open) this.#startKey(slot, out);
          else if (slot.open || node.freeKey !== null) {
            out.push(afterSeparator(node.itemGap, new ObjectFrame(node, Phase.Comma, slot, 0, this.next)));
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
        if (property < 0) out.push(new ObjectFrame(node, Phase.Key, slot, child, this.next));
        else out.push(new ValueFrame(node.properties[property]!.node, new ObjectFrame(node, Phase.After, node.slotAfter(slot, property), 0, this.next)));
        return;
      }
      case Phase.Colon:
        if (b === byte(':')) {
          const value = new ValueFrame(node.freeValue(this.at === 1), new ObjectFrame(node, Phase.After, slot, 0, this.next));
          out.push(afterSeparator(node.keyGap, value));
        }
    }
  }

  #startKey(slot: Slot, out: Frame[]): void {
    if (slot.open) out.push(new ObjectFrame(this.node, Phase.Key, slot, 0, this.next));
    const key = this.node.freeKey;
    if (key === null) return;
    const matched = key.dfa === null ? null : new ObjectFrame(this.node, Phase.Colon, slot, 1, this.next);
    key.start(byte('"'), new ObjectFrame(this.node, Phase.Colon, slot, 0, this.next), matched, out);
  }

  protected ownCost(): number {
    const { node, slot } = this;
    switch (this.phase) {
      case Phase.Open:
        return slot.closed ? 1 : slot.member;
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
    const { node, slot } = this;
    switch (this.phase) {
      case Phase.Open:
        return node.writeOpen(slot, out);
      case Phase.After:
        return node.writeAfter(slot, out);
      case Phase.Comma:
        return node.writeMember(slot, out);
      case Phase.Key:
        return node.writeKeyFrom(slot, this.at, out);
      case Phase.Colon:
        return node.writeFreeValue(slot, this.at === 1, out);
    }
  }
}
