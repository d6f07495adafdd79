/**
 * Conformance: `actorMatchesAllow` against Datasette's own allow-block behaviour (SPEC section 2).
 *
 * Sources (simonw/datasette at 481df7ff6d78a8ccf919984d27f27201b081bd53, 1.0a37): every row of
 * `tests/test_utils.py::test_actor_matches_allow`, the allow/deny demo pairs of
 * `docs/authentication.rst` ("Defining permissions with allow blocks"), the allow blocks of
 * `tests/test_permissions.py::test_allow_debug` and `::test_allow_unauthenticated`, then SPEC
 * section 2's own rules. Rows where tokengate deliberately differs from Datasette carry a
 * `// differs from Datasette: <SPEC rule>` comment. See README.md in this folder.
 */
import { actorMatchesAllow } from 'tokengate'
import type { Actor } from 'tokengate'

type Row = [actor: Actor | null, allow: unknown, expected: boolean]

const NAME = 'actor %j, allow %j -> %s'

function check(actor: Actor | null, allow: unknown, expected: boolean): void {
  expect(actorMatchesAllow(actor, allow)).toBe(expected)
}

describe('Datasette tests/test_utils.py::test_actor_matches_allow (every row)', () => {
  test.each<Row>([
    // Default is to allow:
    [null, null, true],
    // {} means deny-all:
    [null, {}, false],
    [{ id: 'root' }, {}, false],
    // true means allow-all
    [{ id: 'root' }, true, true],
    [null, true, true],
    // false means deny-all
    [{ id: 'root' }, false, false],
    [null, false, false],
    // Special case for "unauthenticated": true
    [null, { unauthenticated: true }, true],
    [null, { unauthenticated: false }, false],
    // Match on just one property:
    [null, { id: 'root' }, false],
    [{ id: 'root' }, null, true],
    [{ id: 'simon', staff: true }, { staff: true }, true],
    [{ id: 'simon', staff: false }, { staff: true }, false],
    // Special "*" value for any key:
    [{ id: 'root' }, { id: '*' }, true],
    [{}, { id: '*' }, false],
    [{ name: 'root' }, { id: '*' }, false],
    // Supports single strings or list of values:
    [{ id: 'root' }, { id: 'bob' }, false],
    [{ id: 'root' }, { id: ['bob'] }, false],
    [{ id: 'root' }, { id: 'root' }, true],
    [{ id: 'root' }, { id: ['root'] }, true],
    // Any matching role will work:
    [{ id: 'garry', roles: ['staff', 'dev'] }, { roles: ['staff'] }, true],
    [{ id: 'garry', roles: ['staff', 'dev'] }, { roles: ['dev'] }, true],
    [{ id: 'garry', roles: ['staff', 'dev'] }, { roles: ['otter'] }, false],
    [{ id: 'garry', roles: ['staff', 'dev'] }, { roles: ['dev', 'otter'] }, true],
    [{ id: 'garry', roles: [] }, { roles: ['staff'] }, false],
    [{ id: 'garry' }, { roles: ['staff'] }, false],
    // Any single matching key works:
    [{ id: 'root' }, { bot_id: 'my-bot', id: ['root'] }, true],
  ])(NAME, check)
})

describe('Datasette docs/authentication.rst allow-block demos (allow demo, then deny demo)', () => {
  test.each<Row>([
    // The most basic form: {"id": "root"}
    [{ id: 'root', name: 'Root User' }, { id: 'root' }, true],
    [{ id: 'trevor' }, { id: 'root' }, false],
    // "deny all" with false, "allow all" with true
    [{ id: 'root' }, false, false],
    [{ id: 'root' }, true, true],
    // A list of values matches any of them
    [{ id: 'cleopaws' }, { id: ['simon', 'cleopaws'] }, true],
    [{ id: 'pancakes' }, { id: ['simon', 'cleopaws'] }, false],
    // A list on the actor is matched against the list in the block
    [{ id: 'simon', roles: ['staff', 'developer'] }, { roles: ['developer'] }, true],
    [{ id: 'cleopaws', roles: ['dog'] }, { roles: ['developer'] }, false],
    // "*" matches any actor with a value for the key
    [{ id: 'simon' }, { id: '*' }, true],
    [{ bot: 'readme-bot' }, { id: '*' }, false],
    // "unauthenticated": true matches only anonymous actors
    [null, { unauthenticated: true }, true],
    [{ id: 'hello' }, { unauthenticated: true }, false],
    // Keys are OR-ed: id simon/cleopaws OR role ops
    [{ id: 'cleopaws' }, { id: ['simon', 'cleopaws'], role: 'ops' }, true],
    [{ id: 'trevor', role: ['ops', 'staff'] }, { id: ['simon', 'cleopaws'], role: 'ops' }, true],
    [{ id: 'percy', role: ['staff'] }, { id: ['simon', 'cleopaws'], role: 'ops' }, false],
  ])(NAME, check)
})

describe('Datasette tests/test_permissions.py: test_allow_debug and test_allow_unauthenticated', () => {
  test.each<Row>([
    // test_allow_debug: {} is "Result: deny", {"id": "*"} is "Result: allow"
    [{ id: 'root' }, {}, false],
    [{ id: 'root' }, { id: '*' }, true],
    // test_allow_unauthenticated: anonymous GET / is 403 with {"id": "root"}, 200 once
    // "unauthenticated": true is added to the same block
    [null, { id: 'root' }, false],
    [null, { id: 'root', unauthenticated: true }, true],
    // ... and the root actor still matches the combined block through its id
    [{ id: 'root' }, { id: 'root', unauthenticated: true }, true],
    [{ id: 'bob' }, { id: 'root', unauthenticated: true }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 1: true and false decide before anything else', () => {
  test.each<Row>([
    [null, true, true],
    [{}, true, true],
    [{ id: 'root', _r: {} }, true, true],
    [null, false, false],
    [{}, false, false],
    [{ id: 'root', unauthenticated: true }, false, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 2: anonymous matches only unauthenticated exactly true', () => {
  test.each<Row>([
    [null, { unauthenticated: true }, true],
    // Near misses: a value that is only truthy, or looks like true
    [null, { unauthenticated: 'true' }, false],
    [null, { unauthenticated: 1 }, false], // Datasette agrees: it tests `is True`
    [null, { unauthenticated: [true] }, false],
    [null, { unauthenticated: 'yes' }, false],
    [null, { unauthenticated: null }, false],
    [null, { unauthenticated: {} }, false],
    // It combines with other keys: rule 2 is tried first
    [null, { id: 'root', unauthenticated: true }, true],
    [null, { id: 'root', unauthenticated: false }, false],
    // An empty-object actor is not anonymous
    [{}, { unauthenticated: true }, false],
    [{ id: 'alice' }, { unauthenticated: true }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 3: a null or absent block matches everyone', () => {
  test.each<Row>([
    [null, null, true],
    [null, undefined, true],
    [{}, null, true],
    [{ id: 'alice' }, undefined, true],
    // Near miss: an empty object is not absent
    [{ id: 'alice' }, {}, false],
    [null, {}, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 4: keys are OR-ed; a null actor is treated as {}', () => {
  test.each<Row>([
    [{ id: 'x', role: 'y' }, { id: 'nope', role: 'y' }, true],
    [{ id: 'x', role: 'y' }, { id: 'x', role: 'nope' }, true],
    [{ id: 'x', role: 'y' }, { id: 'nope', role: 'nope' }, false],
    [{ role: 'y' }, { id: 'x', role: 'y' }, true],
    [{ role: 'z' }, { id: 'x', role: 'y' }, false],
    // A null actor behaves as {}: no key is present, so nothing matches
    [null, { id: '*' }, false],
    [null, { id: null }, false],
    [{}, { id: 'root' }, false],
    [{ id: 'root' }, { id: 'root' }, true],
  ])(NAME, check)
})

describe('SPEC 2 rule 5: "*" is a presence test', () => {
  test.each<Row>([
    [{ id: 'root' }, { id: '*' }, true],
    // Any value counts once the key is present, even empty or false ones
    [{ id: null }, { id: '*' }, true],
    [{ id: false }, { id: '*' }, true],
    [{ id: '' }, { id: '*' }, true],
    [{ id: [] }, { id: '*' }, true],
    [{ id: 0 }, { id: '*' }, true],
    [{ id: {} }, { id: '*' }, true],
    // Near misses: the key is absent, or only a similar key is present
    [{}, { id: '*' }, false],
    [{ ID: 'root' }, { id: '*' }, false],
    [{ id_: 'root' }, { id: '*' }, false],
    // "*" with another key: OR-ed like any other key
    [{ bot_id: 'b' }, { id: '*', bot_id: '*' }, true],
    [{ name: 'b' }, { id: '*', bot_id: '*' }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 5: "*" inside a list, or on the actor side, is a literal string', () => {
  test.each<Row>([
    [{ id: 'root' }, { id: ['*'] }, false],
    [{ id: '*' }, { id: ['*'] }, true],
    [{ id: ['*'] }, { id: ['*'] }, true],
    [{ id: ['*'] }, { id: ['root', '*'] }, true],
    // The actor's "*" is not a wildcard
    [{ id: '*' }, { id: 'root' }, false],
    [{ id: ['*'] }, { id: 'root' }, false],
    // "*" as a value of the block is the presence test whatever the actor holds
    [{ id: '*' }, { id: '*' }, true],
    // Near miss: "**" and " *" are ordinary strings
    [{ id: 'root' }, { id: '**' }, false],
    [{ id: 'root' }, { id: ' *' }, false],
    [{ id: '**' }, { id: '**' }, true],
  ])(NAME, check)
})

describe('SPEC 2 rule 5: value overlap, scalars wrapped in lists on both sides', () => {
  test.each<Row>([
    [{ roles: ['a', 'b'] }, { roles: 'a' }, true],
    [{ roles: 'a' }, { roles: ['a'] }, true],
    [{ roles: ['b', 'a'] }, { roles: ['x', 'a'] }, true],
    [{ roles: ['b', 'c'] }, { roles: ['x', 'a'] }, false],
    // Empty lists never overlap
    [{ roles: 'a' }, { roles: [] }, false],
    [{ roles: [] }, { roles: [] }, false],
    [{ roles: [] }, { roles: ['a'] }, false],
    // Strings are compared whole, not as lists of characters
    [{ id: 'root' }, { id: 'r' }, false],
    [{ id: 'r' }, { id: 'root' }, false],
    [{ id: 'root' }, { id: ['r', 'o', 'o', 't'] }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 5: a missing or null actor value does not match; null in a list and false are ordinary', () => {
  test.each<Row>([
    // The actor's value is null: the key does not match, even against null
    [{ id: null }, { id: null }, false],
    [{ id: null }, { id: [null] }, false],
    [{ id: null }, { id: 'root' }, false],
    // null inside the actor's list is an ordinary value
    [{ id: [null] }, { id: [null] }, true],
    [{ id: [null] }, { id: null }, true],
    [{ id: ['x', null] }, { id: ['y', null] }, true],
    [{ id: ['x', null] }, { id: ['y'] }, false],
    // false is an ordinary value
    [{ staff: false }, { staff: false }, true],
    [{ staff: false }, { staff: true }, false],
    [{ staff: [false, true] }, { staff: [false] }, true],
    [{ staff: [true] }, { staff: [false] }, false],
    // Empty strings are ordinary values too
    [{ id: '' }, { id: '' }, true],
    [{ id: '' }, { id: ' ' }, false],
    // A missing key never matches a value
    [{ name: 'x' }, { id: 'x' }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 5: strict JSON equality', () => {
  test.each<Row>([
    // Case-sensitive strings
    [{ id: 'root' }, { id: 'root' }, true],
    [{ id: 'Root' }, { id: 'root' }, false],
    [{ id: 'ROOT' }, { id: ['root'] }, false],
    // No string/number coercion (Python agrees: "1" != 1)
    [{ id: 1 }, { id: 1 }, true],
    [{ id: '1' }, { id: 1 }, false],
    [{ id: 1 }, { id: '1' }, false],
    [{ id: [1, 2] }, { id: ['2'] }, false],
    // 1 and 1.0 are the same JSON number (Python agrees: 1 == 1.0)
    [{ id: 1 }, JSON.parse('{"id": 1.0}'), true],
    [{ id: 1.5 }, { id: 1.5 }, true],
    [{ id: 1.5 }, { id: 1 }, false],
    [{ id: 1000 }, JSON.parse('{"id": 1e3}'), true],
    // true is not 1 and false is not 0
    [{ staff: true }, { staff: true }, true],
    [{ staff: true }, { staff: 1 }, false], // differs from Datasette: SPEC 2 rule 5 (Python: True == 1)
    [{ staff: 1 }, { staff: true }, false], // differs from Datasette: SPEC 2 rule 5 (True == 1)
    [{ staff: [1] }, { staff: [true] }, false], // differs from Datasette: SPEC 2 rule 5 (True == 1)
    [{ staff: false }, { staff: 0 }, false], // differs from Datasette: SPEC 2 rule 5 (Python's False == 0)
    [{ staff: 0 }, { staff: false }, false], // differs from Datasette: SPEC 2 rule 5 (False == 0)
    [{ staff: 0 }, { staff: 0 }, true],
    // Other near misses that no language coerces here
    [{ staff: true }, { staff: 'true' }, false],
    [{ staff: false }, { staff: '' }, false],
    [{ staff: 0 }, { staff: '' }, false],
    [{ staff: '0' }, { staff: 0 }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 6: unauthenticated is an ordinary key outside rule 2', () => {
  test.each<Row>([
    // An actor that carries the key matches it by value overlap
    [{ unauthenticated: true }, { unauthenticated: true }, true],
    [{ unauthenticated: false }, { unauthenticated: true }, false],
    [{ unauthenticated: 'yes' }, { unauthenticated: '*' }, true],
    [{ id: 'x' }, { unauthenticated: '*' }, false],
    // For the anonymous actor, "*" is not "true": there is no key to be present
    [null, { unauthenticated: '*' }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 7: no nested or dotted-key matching; object and array elements never match', () => {
  test.each<Row>([
    [{ roles: [['a']] }, { roles: [['a']] }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    [{ org: { id: 1 } }, { org: { id: 1 } }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    [{ org: { id: 1 } }, { org: [{ id: 1 }] }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    [{ org: [{ id: 1 }] }, { org: { id: 1 } }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    [{ org: [] }, { org: [[]] }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    // A nested element does not spoil the scalar elements beside it
    [{ roles: [['a'], 'b'] }, { roles: ['b'] }, true], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    [{ roles: [['a'], 'b'] }, { roles: ['a'] }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    // ... nor another key of the block
    [{ id: 'x', roles: [['a']] }, { roles: [['a']], id: 'x' }, true], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    [{ id: 'y', roles: [['a']] }, { roles: [['a']], id: 'x' }, false], // differs from Datasette: SPEC 2 rule 7 (TypeError)
    // Dotted keys are literal keys, never paths (Datasette agrees)
    [{ org: { id: 1 } }, { 'org.id': 1 }, false],
    [{ 'org.id': 1 }, { 'org.id': 1 }, true],
    [{ org: { id: 1 } }, { 'org.id': '*' }, false],
  ])(NAME, check)
})

describe('SPEC 2 rule 8: a block that is not an object, true, false or null matches nobody', () => {
  test.each<Row>([
    [{ id: 'root' }, 1, false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [null, 1, false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, 0, false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, 2, false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, 'root', false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, '*', false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [null, '', false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, [], false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, ['root'], false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [{ id: 'root' }, [{ id: 'root' }], false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    [null, [{ unauthenticated: true }], false], // differs from Datasette: SPEC 2 rule 8 (AttributeError)
    // Near miss: the same content as an object matches
    [{ id: 'root' }, { id: 'root' }, true],
    [null, { unauthenticated: true }, true],
  ])(NAME, check)
})

describe('Keys come from the JSON objects themselves, never from the prototype (SPEC silent; Datasette agrees)', () => {
  test.each<Row>([
    [{}, { toString: '*' }, false],
    [{ id: 'x' }, { constructor: '*' }, false],
    [{ id: 'x' }, { hasOwnProperty: '*' }, false],
    // An actor that really has such a key matches like any other
    [{ toString: 'x' }, { toString: '*' }, true],
    [{ constructor: 'x' }, { constructor: 'x' }, true],
    // JSON.parse makes "__proto__" an own key on both sides
    [JSON.parse('{"__proto__": "x"}') as Actor, JSON.parse('{"__proto__": "x"}'), true],
    [JSON.parse('{"__proto__": "y"}') as Actor, JSON.parse('{"__proto__": "x"}'), false],
    [{}, JSON.parse('{"__proto__": "*"}'), false],
  ])(NAME, check)
})
