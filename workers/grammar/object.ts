// JSON objects: the listed properties in schema order, each optional one skippable, every
// required one present; or, for a map (no properties listed), keys of the model's choosing with
// values of one schema. Keys are matched through a trie of the candidates' encoded text, so the
// automaton stays deterministic however many properties share a prefix.
import { byte, emit, Frame, type GrammarNode, ValueFrame } from './frame.ts';
import { StringNode } from './string.ts';

export interface Property {
  readonly name: string;
  readonly node: GrammarNode;
  readonly required: boolean;
}

const FREE_KEY = new StringNode();
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
  /** A free key may come (a map with every required key done). */
  readonly free: boolean;
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
  /** The values' node when keys are free (no properties listed); null otherwise. */
  additional: GrammarNode | null = null;
  shortest = Infinity;
  #slots: Slot[] = [];
  #keyTexts: Uint8Array[] = [];

  measure(): boolean {
    const shortest = 1 + this.#open(this.#plan(false));
    if (!(shortest < this.shortest)) return false;
    this.shortest = shortest;
    return true;
  }

  prune(): void {
    this.properties = this.properties.filter((p) => p.node.shortest < Infinity);
    if (this.additional !== null && this.additional.shortest === Infinity) this.additional = null;
    this.#keyTexts = this.properties.map((p) => textEncoder.encode(`${JSON.stringify(p.name)}:`));
    this.#slots = this.#plan(true);
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
      out.push(byte(','));
      this.writeMember(index, out);
    }
  }

  writeMember(index: number, out: number[]): void {
    const choice = this.#slots[index]!.memberChoice;
    if (choice < 0) {
      out.push(byte('"'), byte('"'), byte(':'));
      this.additional!.writeShortest(out);
      this.writeAfter(this.properties.length, out);
    } else {
      out.push(...this.#keyTexts[choice]!);
      this.properties[choice]!.node.writeShortest(out);
      this.writeAfter(choice + 1, out);
    }
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
    const { properties, additional } = this;
    const count = properties.length;
    const slots: Slot[] = [];
    let requiredAt = count; // the first required property at or after the slot
    for (let index = count; index >= 0; index--) {
      if (index < count && properties[index]!.required) requiredAt = index;
      const closed = requiredAt === count;
      const free = additional !== null && closed;
      const candidates: number[] = [];
      for (let j = index; j < count && j <= requiredAt; j++) candidates.push(j);
      // A free key's shortest member is `"":`, its value and `}` (the last slot is always closed).
      let member = free ? 3 + additional.shortest + 1 : Infinity;
      let memberChoice = -1;
      for (const j of candidates) {
        const cost = keyLength(properties[j]!.name) + properties[j]!.node.shortest + slots[j + 1]!.after;
        if (cost < member) {
          member = cost;
          memberChoice = j;
        }
      }
      const after = closed ? 1 : 1 + member;
      const keys = withKeys && candidates.length > 0 ? this.#keyTrie(candidates, slots) : null;
      slots[index] = { keys, free, closed, member, memberChoice, after };
    }
    return slots;
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

function keyLength(name: string): number {
  return textEncoder.encode(JSON.stringify(name)).length + 1;
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
          else if (slot.keys !== null || slot.free) out.push(new ObjectFrame(node, Phase.Comma, index, 0, this.next));
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
          const count = node.properties.length;
          out.push(new ValueFrame(node.additional!, new ObjectFrame(node, Phase.After, count, 0, this.next)));
        }
    }
  }

  #startKey(slot: Slot, out: Frame[]): void {
    if (slot.keys !== null) out.push(new ObjectFrame(this.node, Phase.Key, this.index, 0, this.next));
    if (slot.free) FREE_KEY.start(byte('"'), new ObjectFrame(this.node, Phase.Colon, this.node.properties.length, 0, this.next), out);
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
        return 1 + node.additional!.shortest + node.slot(node.properties.length).after;
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
        out.push(byte(':'));
        node.additional!.writeShortest(out);
        return node.writeAfter(node.properties.length, out);
    }
  }
}
