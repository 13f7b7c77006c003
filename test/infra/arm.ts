/**
 * Reads the ARM template that `npm run check:bicep` compiles from infra/main.bicep, and evaluates
 * its expressions as far as they are static: parameters (passed into modules or defaulted),
 * variables, format/concat/createObject/union and resource ids. Whatever is only known at deploy
 * time (reference(), guid(), subscription(), ...) stays symbolic as a {@link Dynamic}, whose text
 * names the expression it stands for, so tests can still check what a value is made from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ARM_TEMPLATE_PATH = join('.tools', 'arm', 'main.json');

/** A value known only at deployment time. `text` renders it, with «…» around the unknown parts. */
export class Dynamic {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Value = null | boolean | number | string | Dynamic | Value[] | { [key: string]: Value };

interface Template {
  parameters?: Record<string, { defaultValue?: Json; allowedValues?: Json[] }>;
  variables?: Record<string, Json>;
  resources: Json[] | Record<string, Json>;
  outputs?: Record<string, { value: Json }>;
}

interface Scope {
  template: Template;
  /** The `parameters` a module deployment passes in, evaluated in `parent`. */
  args: Record<string, { value?: Json }>;
  parent: Scope | undefined;
}

export interface ArmResource {
  type: string;
  /** The resource as written in the template, expressions unevaluated. */
  raw: Record<string, Json>;
  /** The resource with every expression evaluated as far as it is static. */
  value: Record<string, Value>;
  /** The module (nested deployment) the resource is declared in; undefined at the top level. */
  module: string | undefined;
}

export interface CompiledTemplate {
  raw: Template;
  text: string;
  resources: ArmResource[];
  /** The outputs of one module, evaluated. */
  moduleOutputs(module: string): Record<string, Value>;
  /** Evaluates an ARM expression (without the brackets) as it reads inside one module. */
  evaluateIn(module: string, expression: string): Value;
}

let cached: CompiledTemplate | undefined;

/**
 * Loads and evaluates the compiled template; fails with a pointer to the command that makes it.
 * `parameters` deploys it with those values for main.bicep's parameters instead of the defaults;
 * a value the parameter does not allow is refused, as ARM would refuse it.
 */
export function compiledTemplate(parameters?: Record<string, Json>): CompiledTemplate {
  if (parameters === undefined && cached !== undefined) return cached;
  if (!existsSync(ARM_TEMPLATE_PATH)) {
    throw new Error(
      `${ARM_TEMPLATE_PATH} is missing: run \`npm run check:bicep\` (npm test runs it before vitest) to compile infra/main.bicep.`,
    );
  }
  const text = readFileSync(ARM_TEMPLATE_PATH, 'utf8');
  const raw = JSON.parse(text) as Template;
  const args: Scope['args'] = {};
  for (const [name, value] of Object.entries(parameters ?? {})) {
    const declared = raw.parameters?.[name];
    if (declared === undefined) throw new Error(`main.bicep has no parameter ${name}`);
    if (JSON.stringify(value).includes('"[')) throw new Error(`${name}: a value starting with "[" would read as an expression`);
    if (declared.allowedValues !== undefined && !declared.allowedValues.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
      throw new Error(`${JSON.stringify(value)} is not an allowed value of ${name}`);
    }
    args[name] = { value };
  }
  const resources: ArmResource[] = [];
  const modules = new Map<string, Scope>();
  collect({ template: raw, args, parent: undefined }, undefined, resources, modules);
  const moduleScope = (module: string): Scope => {
    const scope = modules.get(module);
    if (scope === undefined) throw new Error(`no module named ${module}`);
    return scope;
  };
  const compiled: CompiledTemplate = {
    raw,
    text,
    resources,
    moduleOutputs(module) {
      const scope = moduleScope(module);
      const outputs = scope.template.outputs ?? {};
      return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, evaluate(output.value, scope)]));
    },
    evaluateIn(module, expression) {
      return evalNode(parse(expression), moduleScope(module));
    },
  };
  if (parameters === undefined) cached = compiled;
  return compiled;
}

function collect(scope: Scope, module: string | undefined, out: ArmResource[], modules: Map<string, Scope>): void {
  const list = Array.isArray(scope.template.resources) ? scope.template.resources : Object.values(scope.template.resources);
  for (const item of list) {
    const raw = item as Record<string, Json>;
    const type = text(raw.type);
    // A module's inner template is evaluated in its own scope, below, not in this one.
    const outer =
      type === 'Microsoft.Resources/deployments'
        ? { ...raw, properties: { ...(raw.properties as Record<string, Json>), template: null } }
        : raw;
    const value = evaluate(outer, scope) as Record<string, Value>;
    out.push({ type, raw, value, module });
    if (type === 'Microsoft.Resources/deployments') {
      const properties = raw.properties as unknown as { template: Template; parameters?: Record<string, { value?: Json }> };
      const name = text(value.name);
      const inner: Scope = { template: properties.template, args: properties.parameters ?? {}, parent: scope };
      modules.set(name, inner);
      collect(inner, name, out, modules);
    }
  }
}

/** Evaluates every ARM expression ("[...]") inside a JSON value. */
function evaluate(value: Json, scope: Scope): Value {
  if (typeof value === 'string') {
    if (value.startsWith('[[')) return value.slice(1);
    if (value.startsWith('[') && value.endsWith(']')) return evalNode(parse(value.slice(1, -1)), scope);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        const name = evaluate(key, scope);
        return [typeof name === 'string' ? name : renderPart(name), evaluate(item, scope)];
      }),
    );
  }
  return value;
}

type Node =
  | { kind: 'literal'; value: string | number }
  | { kind: 'call'; name: string; args: Node[]; source: string }
  | { kind: 'member'; target: Node; property: string }
  | { kind: 'index'; target: Node; index: Node };

function parse(source: string): Node {
  let pos = 0;
  const skip = (): void => {
    while (pos < source.length && /\s/.test(source.charAt(pos))) pos += 1;
  };
  const expect = (char: string): void => {
    skip();
    if (source.charAt(pos) !== char) throw new Error(`expected "${char}" at ${String(pos)} in [${source}]`);
    pos += 1;
  };
  const primary = (): Node => {
    skip();
    const start = pos;
    const char = source.charAt(pos);
    if (char === "'") {
      let text = '';
      pos += 1;
      for (;;) {
        if (pos >= source.length) throw new Error(`unterminated string in [${source}]`);
        if (source.charAt(pos) === "'") {
          if (source.charAt(pos + 1) === "'") {
            text += "'";
            pos += 2;
            continue;
          }
          pos += 1;
          return { kind: 'literal', value: text };
        }
        text += source.charAt(pos);
        pos += 1;
      }
    }
    const number = /^-?\d+/.exec(source.slice(pos));
    if (number) {
      pos += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*?(?=\s*\()/.exec(source.slice(pos));
    if (!ident) throw new Error(`unexpected "${char}" at ${String(pos)} in [${source}]`);
    pos += ident[0].length;
    expect('(');
    const args: Node[] = [];
    skip();
    if (source.charAt(pos) === ')') pos += 1;
    else {
      for (;;) {
        args.push(expression());
        skip();
        const next = source.charAt(pos);
        pos += 1;
        if (next === ')') break;
        if (next !== ',') throw new Error(`expected "," or ")" at ${String(pos - 1)} in [${source}]`);
      }
    }
    return { kind: 'call', name: ident[0].toLowerCase(), args, source: source.slice(start, pos) };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      skip();
      const char = source.charAt(pos);
      if (char === '.') {
        pos += 1;
        const property = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(pos));
        if (!property) throw new Error(`expected a property name at ${String(pos)} in [${source}]`);
        pos += property[0].length;
        node = { kind: 'member', target: node, property: property[0] };
      } else if (char === '[') {
        pos += 1;
        const index = expression();
        expect(']');
        node = { kind: 'index', target: node, index };
      } else {
        return node;
      }
    }
  };
  const node = expression();
  skip();
  if (pos !== source.length) throw new Error(`unexpected text at ${String(pos)} in [${source}]`);
  return node;
}

/** A value that must be a plain string (or number) where ARM expects a name or a type. */
function text(value: Value | Json | undefined): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value instanceof Dynamic) return value.text;
  throw new Error(`expected a string, got ${JSON.stringify(value)}`);
}

/** How a value reads inside a larger string: unknown parts in «…». */
function renderPart(value: Value): string {
  if (value instanceof Dynamic) return value.text.includes('«') ? value.text : `«${value.text}»`;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `«${JSON.stringify(value)}»`;
}

/** Joins parts into a string, or into a Dynamic when any part is unknown. */
function join_(parts: Value[], build: (rendered: string[]) => string): Value {
  const rendered = parts.map(renderPart);
  const text = build(rendered);
  return parts.some((part) => part instanceof Dynamic || (part !== null && typeof part === 'object')) ? new Dynamic(text) : text;
}

function lookupParameter(name: string, scope: Scope): Value {
  const passed = scope.args[name];
  if (passed?.value !== undefined) {
    // A value given to main.bicep itself (compiledTemplate's parameters) is a plain value, which
    // compiledTemplate checks cannot be read as an expression.
    return evaluate(passed.value, scope.parent ?? scope);
  }
  const declared = scope.template.parameters?.[name];
  if (declared === undefined) throw new Error(`unknown parameter ${name}`);
  if (declared.defaultValue !== undefined) return evaluate(declared.defaultValue, scope);
  return new Dynamic(`parameters('${name}')`);
}

function evalNode(node: Node, scope: Scope): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'member': {
      const target = evalNode(node.target, scope);
      if (target instanceof Dynamic) return new Dynamic(`${target.text}.${node.property}`);
      if (target !== null && typeof target === 'object' && !Array.isArray(target) && node.property in target) {
        return target[node.property] ?? null;
      }
      throw new Error(`no property ${node.property} on ${JSON.stringify(target)}`);
    }
    case 'index': {
      const target = evalNode(node.target, scope);
      const index = evalNode(node.index, scope);
      if (target instanceof Dynamic || index instanceof Dynamic) return new Dynamic(`${renderPart(target)}[${renderPart(index)}]`);
      if (Array.isArray(target) && typeof index === 'number') return target[index] ?? null;
      if (target !== null && typeof target === 'object' && !Array.isArray(target) && typeof index === 'string') return target[index] ?? null;
      throw new Error(`cannot index ${JSON.stringify(target)} with ${JSON.stringify(index)}`);
    }
    case 'call':
      return evalCall(node, scope);
  }
}

function evalCall(node: Extract<Node, { kind: 'call' }>, scope: Scope): Value {
  const args = (): Value[] => node.args.map((arg) => evalNode(arg, scope));
  switch (node.name) {
    case 'parameters':
      return lookupParameter(text(evalNode(node.args[0]!, scope)), scope);
    case 'variables': {
      const name = text(evalNode(node.args[0]!, scope));
      const variable = scope.template.variables?.[name];
      if (variable === undefined) throw new Error(`unknown variable ${name}`);
      return evaluate(variable, scope);
    }
    case 'format': {
      const [format, ...rest] = args();
      return join_([format ?? '', ...rest], ([fmt = '', ...values]) =>
        fmt.replace(/\{(\d+)\}/g, (_match, i: string) => values[Number(i)] ?? ''),
      );
    }
    case 'concat':
      return join_(args(), (parts) => parts.join(''));
    case 'createobject': {
      const values = args();
      const object: Record<string, Value> = {};
      for (let i = 0; i + 1 < values.length; i += 2) object[text(values[i])] = values[i + 1] ?? null;
      return object;
    }
    case 'union': {
      const values = args();
      if (values.every((value) => value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Dynamic))) {
        return Object.assign({}, ...(values as Record<string, Value>[])) as Record<string, Value>;
      }
      return new Dynamic(node.source);
    }
    case 'resourceid':
    case 'subscriptionresourceid': {
      const [type, ...names] = args();
      const segments = text(type).split('/');
      const provider = `${segments[0] ?? ''}/${segments[1] ?? ''}`;
      const path = names.map((name, i) => `${i === 0 ? provider : (segments[i + 1] ?? '')}/${renderPart(name)}`).join('/');
      const prefix = node.name === 'resourceid' ? '/subscriptions/«subscription»/resourceGroups/«resourceGroup»' : '/subscriptions/«subscription»';
      return new Dynamic(`${prefix}/providers/${path}`);
    }
    default:
      return new Dynamic(node.source);
  }
}
