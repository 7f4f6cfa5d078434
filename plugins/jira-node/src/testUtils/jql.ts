/**
 * The JQL subset the Jira fake understands, parsed and checked the way Jira does: a syntax
 * error is "Error in the JQL Query: …", an unknown field or value has Jira's own message.
 *
 * Fields: project, component, labels, status, statusCategory, issuetype (type), assignee,
 * reporter, fixVersion, sprint, key (issuekey, id), priority, resolution, summary, description,
 * text, created, updated and number custom fields (by id, `cf[10016]` or name). Operators:
 * =, !=, IN, NOT IN, IS [NOT] EMPTY/NULL, ~, !~ (text) and <, <=, >, >= (dates, numbers).
 * Functions: currentUser(), openSprints(), closedSprints(), now(), startOfDay(). AND, OR,
 * NOT, parentheses, ORDER BY field [ASC|DESC], ….
 */

export class JqlError extends Error {}

type Token = {
  kind: 'word' | 'string' | 'op' | 'paren' | 'comma' | 'end';
  value: string;
  /** 1-based column, as Jira reports it. */
  column: number;
};

const OPERATORS_TEXT =
  "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.";

function syntax(message: string): JqlError {
  return new JqlError(`Error in the JQL Query: ${message}`);
}

function where(token: Token) {
  return `(line 1, character ${token.column})`;
}

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const ch = jql[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const column = i + 1;
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      while (j < jql.length && jql[j] !== ch) {
        if (jql[j] === '\\' && j + 1 < jql.length) {
          value += jql[j + 1];
          j += 2;
        } else {
          value += jql[j];
          j++;
        }
      }
      if (j >= jql.length) {
        throw syntax(
          `The quoted string '${value}' has not been completed. ${where({
            kind: 'string',
            value,
            column,
          })}`,
        );
      }
      tokens.push({ kind: 'string', value, column });
      i = j + 1;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', value: ch, column });
      i++;
      continue;
    }
    if (ch === ',') {
      tokens.push({ kind: 'comma', value: ch, column });
      i++;
      continue;
    }
    const op = /^(!=|!~|>=|<=|=|~|>|<)/.exec(jql.slice(i));
    if (op) {
      tokens.push({ kind: 'op', value: op[1], column });
      i += op[1].length;
      continue;
    }
    const word = /^[\p{L}\p{N}_\-.:\[\]]+/u.exec(jql.slice(i));
    if (word) {
      tokens.push({ kind: 'word', value: word[0], column });
      i += word[0].length;
      continue;
    }
    throw syntax(
      `The character '${ch}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${ch
        .charCodeAt(0)
        .toString(16)
        .padStart(4, '0')}' instead. (line 1, character ${column})`,
    );
  }
  tokens.push({ kind: 'end', value: '', column: jql.length + 1 });
  return tokens;
}

export type JqlValue =
  | { kind: 'value'; value: string }
  | { kind: 'function'; name: string; args: string[] }
  | { kind: 'empty' };

export type JqlClause = {
  type: 'clause';
  field: string;
  operator: string;
  values: JqlValue[];
  /** Whether the operand was a list, `(a, b)`. */
  list: boolean;
};

export type JqlNode =
  | JqlClause
  | { type: 'and'; children: JqlNode[] }
  | { type: 'or'; children: JqlNode[] }
  | { type: 'not'; child: JqlNode };

export type JqlQuery = {
  where?: JqlNode;
  orderBy: Array<{ field: string; direction: 'ASC' | 'DESC' }>;
};

const isKeyword = (token: Token, keyword: string) =>
  token.kind === 'word' && token.value.toUpperCase() === keyword;

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0) {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private next() {
    return this.tokens[this.index++];
  }

  parse(): JqlQuery {
    let whereNode: JqlNode | undefined;
    if (this.peek().kind !== 'end' && !isKeyword(this.peek(), 'ORDER')) {
      whereNode = this.or();
    }
    const orderBy: JqlQuery['orderBy'] = [];
    if (isKeyword(this.peek(), 'ORDER')) {
      this.next();
      if (!isKeyword(this.peek(), 'BY')) {
        const got = this.peek();
        throw syntax(
          got.kind === 'end'
            ? "Expecting 'BY' before the end of the query."
            : `Expecting 'BY' but got '${got.value}'. ${where(got)}`,
        );
      }
      this.next();
      for (;;) {
        const field = this.next();
        if (field.kind !== 'word' && field.kind !== 'string') {
          throw syntax(
            field.kind === 'end'
              ? 'Expecting a field name before the end of the query.'
              : `Expecting a field name but got '${field.value}'. ${where(
                  field,
                )}`,
          );
        }
        let direction: 'ASC' | 'DESC' = 'ASC';
        if (isKeyword(this.peek(), 'ASC') || isKeyword(this.peek(), 'DESC')) {
          direction = this.next().value.toUpperCase() as 'ASC' | 'DESC';
        }
        orderBy.push({ field: field.value, direction });
        if (this.peek().kind !== 'comma') break;
        this.next();
      }
    }
    const rest = this.peek();
    if (rest.kind !== 'end') {
      throw syntax(
        `Expecting either 'OR' or 'AND' but got '${rest.value}'. ${where(
          rest,
        )}`,
      );
    }
    return { where: whereNode, orderBy };
  }

  private or(): JqlNode {
    const children = [this.and()];
    while (isKeyword(this.peek(), 'OR')) {
      this.next();
      children.push(this.and());
    }
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  private and(): JqlNode {
    const children = [this.not()];
    while (isKeyword(this.peek(), 'AND')) {
      this.next();
      children.push(this.not());
    }
    return children.length === 1 ? children[0] : { type: 'and', children };
  }

  private not(): JqlNode {
    if (isKeyword(this.peek(), 'NOT')) {
      this.next();
      return { type: 'not', child: this.not() };
    }
    if (this.peek().kind === 'paren' && this.peek().value === '(') {
      this.next();
      const inner = this.or();
      const close = this.next();
      if (close.kind !== 'paren' || close.value !== ')') {
        throw syntax(
          close.kind === 'end'
            ? "Expecting ')' before the end of the query."
            : `Expecting ')' but got '${close.value}'. ${where(close)}`,
        );
      }
      return inner;
    }
    return this.clause();
  }

  private clause(): JqlClause {
    const field = this.next();
    if (field.kind !== 'word' && field.kind !== 'string') {
      throw syntax(
        field.kind === 'end'
          ? 'Expecting a field name before the end of the query.'
          : `Expecting a field name but got '${field.value}'. ${where(field)}`,
      );
    }
    if (
      field.kind === 'word' &&
      ['AND', 'OR', 'ORDER', 'IN', 'IS', 'EMPTY', 'NULL'].includes(
        field.value.toUpperCase(),
      )
    ) {
      throw syntax(
        `Expecting a field name but got '${field.value}'. ${where(field)}`,
      );
    }
    const opToken = this.next();
    let operator: string;
    if (opToken.kind === 'op') {
      operator = opToken.value;
    } else if (isKeyword(opToken, 'IN')) {
      operator = 'IN';
    } else if (isKeyword(opToken, 'NOT') && isKeyword(this.peek(), 'IN')) {
      this.next();
      operator = 'NOT IN';
    } else if (isKeyword(opToken, 'IS')) {
      operator = 'IS';
      if (isKeyword(this.peek(), 'NOT')) {
        this.next();
        operator = 'IS NOT';
      }
    } else if (
      ['WAS', 'CHANGED'].includes(opToken.value.toUpperCase()) &&
      opToken.kind === 'word'
    ) {
      throw new JqlError(
        `The Jira fake does not support the history operator '${opToken.value.toUpperCase()}' (line 1, character ${
          opToken.column
        })`,
      );
    } else {
      throw syntax(
        opToken.kind === 'end'
          ? `Expecting operator before the end of the query. ${OPERATORS_TEXT}`
          : `Expecting operator but got '${
              opToken.value
            }'. ${OPERATORS_TEXT} ${where(opToken)}`,
      );
    }
    if (operator === 'IN' || operator === 'NOT IN') {
      const open = this.peek();
      if (open.kind === 'paren' && open.value === '(') {
        this.next();
        const values: JqlValue[] = [];
        for (;;) {
          values.push(this.value());
          const sep = this.next();
          if (sep.kind === 'comma') continue;
          if (sep.kind === 'paren' && sep.value === ')') break;
          throw syntax(
            sep.kind === 'end'
              ? "Expecting ')' before the end of the query."
              : `Expecting ')' but got '${sep.value}'. ${where(sep)}`,
          );
        }
        return {
          type: 'clause',
          field: field.value,
          operator,
          values,
          list: true,
        };
      }
      const single = this.value();
      if (single.kind !== 'function') {
        throw syntax(
          `Expecting a list of values or a function for the '${operator}' operator but got '${
            single.kind === 'value' ? single.value : 'EMPTY'
          }'. ${where(open)}`,
        );
      }
      return {
        type: 'clause',
        field: field.value,
        operator,
        values: [single],
        list: false,
      };
    }
    return {
      type: 'clause',
      field: field.value,
      operator,
      values: [this.value()],
      list: false,
    };
  }

  private value(): JqlValue {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'value', value: token.value };
    if (token.kind === 'word') {
      const upper = token.value.toUpperCase();
      if (upper === 'EMPTY' || upper === 'NULL') return { kind: 'empty' };
      if (['AND', 'OR', 'NOT', 'ORDER', 'IN', 'IS'].includes(upper)) {
        throw syntax(
          `Expecting either a value, list or function but got '${
            token.value
          }'. You must surround '${
            token.value
          }' in quotation marks to use it as a value. ${where(token)}`,
        );
      }
      if (this.peek().kind === 'paren' && this.peek().value === '(') {
        this.next();
        const args: string[] = [];
        while (!(this.peek().kind === 'paren' && this.peek().value === ')')) {
          const arg = this.next();
          if (arg.kind === 'end') {
            throw syntax("Expecting ')' before the end of the query.");
          }
          if (arg.kind !== 'comma') args.push(arg.value);
        }
        this.next();
        return { kind: 'function', name: token.value, args };
      }
      return { kind: 'value', value: token.value };
    }
    throw syntax(
      token.kind === 'end'
        ? 'Expecting either a value, list or function before the end of the query.'
        : `Expecting either a value, list or function but got '${
            token.value
          }'. ${where(token)}`,
    );
  }
}

/** Parses JQL; throws a JqlError with Jira's message for a syntax error. */
export function parseJql(jql: string): JqlQuery {
  return new Parser(tokenize(jql)).parse();
}

/** Whether the query restricts the issues at all (Cloud's enhanced search refuses it otherwise). */
export function isBounded(query: JqlQuery): boolean {
  return query.where !== undefined;
}

export function clauses(node: JqlNode | undefined): JqlClause[] {
  if (!node) return [];
  if (node.type === 'clause') return [node];
  if (node.type === 'not') return clauses(node.child);
  return node.children.flatMap(clauses);
}
