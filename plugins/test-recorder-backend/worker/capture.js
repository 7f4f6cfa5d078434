// @ts-nocheck
/**
 * The recorder's in-page capture, added to every frame with `context.addInitScript` by
 * record.cjs as `(source)(options)`. It watches what the user does (capture phase, so pages
 * that stop propagation are still seen) and reports each action through one binding, with
 * every locator the element could have; record.cjs counts them in the live page.
 *
 * Runs in the page under test: no imports, no globals besides the binding record.cjs exposes
 * and the non-enumerable `options.pendingName` function it calls.
 */
module.exports = function cometRecorderCapture(options) {
  'use strict';
  const report = window[options.bindingName];
  if (typeof report !== 'function') return;
  const testIdAttribute = options.testIdAttribute || 'data-testid';
  let picking = false;

  const IMPLICIT_ROLES = {
    A: el => (el.hasAttribute('href') ? 'link' : undefined),
    AREA: el => (el.hasAttribute('href') ? 'link' : undefined),
    ARTICLE: () => 'article',
    ASIDE: () => 'complementary',
    BUTTON: () => 'button',
    DIALOG: () => 'dialog',
    FORM: () => 'form',
    H1: () => 'heading',
    H2: () => 'heading',
    H3: () => 'heading',
    H4: () => 'heading',
    H5: () => 'heading',
    H6: () => 'heading',
    IMG: el => (el.getAttribute('alt') === '' ? 'presentation' : 'img'),
    LI: () => 'listitem',
    MAIN: () => 'main',
    NAV: () => 'navigation',
    OL: () => 'list',
    UL: () => 'list',
    OPTION: () => 'option',
    PROGRESS: () => 'progressbar',
    SELECT: el => (el.multiple || el.size > 1 ? 'listbox' : 'combobox'),
    TABLE: () => 'table',
    TD: () => 'cell',
    TH: () => 'columnheader',
    TR: () => 'row',
    TEXTAREA: () => 'textbox',
    SUMMARY: () => 'button',
    INPUT: el => {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      if (['button', 'submit', 'reset', 'image'].includes(type))
        return 'button';
      if (type === 'checkbox') return 'checkbox';
      if (type === 'radio') return 'radio';
      if (type === 'range') return 'slider';
      if (type === 'number') return 'spinbutton';
      if (type === 'search')
        return el.hasAttribute('list') ? 'combobox' : 'searchbox';
      if (['email', 'tel', 'text', 'url', 'password'].includes(type)) {
        return el.hasAttribute('list') ? 'combobox' : 'textbox';
      }
      return undefined;
    },
  };
  // Roles whose accessible name comes from their content.
  const NAME_FROM_CONTENT = new Set([
    'button',
    'link',
    'heading',
    'listitem',
    'option',
    'cell',
    'columnheader',
    'row',
    'tab',
    'menuitem',
    'checkbox',
    'radio',
    'switch',
    'treeitem',
  ]);

  // An input button without a value is named like the browser labels it.
  const DEFAULT_BUTTON_VALUES = {
    submit: 'Submit',
    reset: 'Reset',
    button: '',
  };
  // MouseEvent.button: 0 is the main button.
  const BUTTON_NAMES = { 1: 'middle', 2: 'right' };

  const collapse = text => (text || '').replace(/\s+/g, ' ').trim();

  function roleOf(el) {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit.split(/\s+/)[0];
    const implicit = IMPLICIT_ROLES[el.tagName];
    return implicit ? implicit(el) : undefined;
  }

  function labelText(el) {
    const labels = el.labels ? Array.from(el.labels) : [];
    const text = labels
      .map(label => collapse(label.innerText || label.textContent))
      .join(' ');
    return collapse(text) || undefined;
  }

  function accessibleName(el, role) {
    const ariaLabel = collapse(el.getAttribute('aria-label'));
    if (ariaLabel) return ariaLabel;
    const labelledBy = el.getAttribute('aria-labelledby');
    if (labelledBy) {
      const text = collapse(
        labelledBy
          .split(/\s+/)
          .map(id => document.getElementById(id))
          .filter(Boolean)
          .map(node => node.textContent)
          .join(' '),
      );
      if (text) return text;
    }
    const label = labelText(el);
    if (label) return label;
    if (
      el.tagName === 'IMG' ||
      (el.tagName === 'INPUT' && el.type === 'image')
    ) {
      const alt = collapse(el.getAttribute('alt'));
      if (alt) return alt;
    }
    if (
      el.tagName === 'INPUT' &&
      ['button', 'submit', 'reset'].includes(el.type)
    ) {
      const value = collapse(el.value) || DEFAULT_BUTTON_VALUES[el.type];
      if (value) return value;
    }
    if (NAME_FROM_CONTENT.has(role)) {
      const text = collapse(el.innerText || el.textContent);
      if (text) return text;
    }
    const title = collapse(el.getAttribute('title'));
    return title || undefined;
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape
      ? CSS.escape(value)
      : value.replace(/[^\w-]/g, '\\$&');
  }

  // Generated ids (`:r1:`, `ember123`, long hex) change between renders: not worth a selector.
  function stableId(id) {
    return id && !/\d{3,}|^:|[0-9a-f]{8,}/i.test(id) ? id : undefined;
  }

  function cssPath(el) {
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1 && node !== document.documentElement) {
      const id = stableId(node.id);
      if (id && document.querySelectorAll(`#${cssEscape(id)}`).length === 1) {
        parts.unshift(`#${cssEscape(id)}`);
        break;
      }
      let part = node.tagName.toLowerCase();
      const classes = Array.from(node.classList)
        .filter(c => !/\d{3,}/.test(c))
        .slice(0, 2);
      if (classes.length) part += classes.map(c => `.${cssEscape(c)}`).join('');
      const parent = node.parentElement;
      if (parent) {
        const tagName = node.tagName;
        const same = Array.from(parent.children).filter(
          child => child.tagName === tagName,
        );
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      const selector = parts.join(' > ');
      if (document.querySelectorAll(selector).length === 1) return selector;
      node = parent;
    }
    return parts.join(' > ');
  }

  function candidatesOf(el) {
    const candidates = [];
    const testId = el.getAttribute(testIdAttribute);
    if (testId) candidates.push({ kind: 'testId', value: testId });
    const role = roleOf(el);
    if (role && role !== 'presentation' && role !== 'none') {
      const name = accessibleName(el, role);
      candidates.push(
        name ? { kind: 'role', role, name } : { kind: 'role', role },
      );
    }
    const placeholder = collapse(el.getAttribute('placeholder'));
    if (placeholder)
      candidates.push({ kind: 'placeholder', value: placeholder });
    const label = labelText(el) || collapse(el.getAttribute('aria-label'));
    if (label) candidates.push({ kind: 'label', value: label });
    const alt = collapse(el.getAttribute('alt'));
    if (alt) candidates.push({ kind: 'altText', value: alt });
    if (!['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) {
      const text = collapse(el.innerText || el.textContent);
      if (text && text.length <= 80)
        candidates.push({ kind: 'text', value: text });
    }
    const title = collapse(el.getAttribute('title'));
    if (title) candidates.push({ kind: 'title', value: title });
    candidates.push({ kind: 'css', value: cssPath(el) });
    return candidates;
  }

  // The element a user means: the nearest interactive ancestor of what was hit.
  const INTERACTIVE = `a[href],button,input,select,textarea,summary,label,[role],[tabindex],[${testIdAttribute}]`;
  function targetOf(node) {
    const el = node && node.nodeType === 1 ? node : node && node.parentElement;
    if (!el) return undefined;
    return el.closest(INTERACTIVE) || el;
  }

  const SECRET_WORDS =
    /(pass(word|wd)?|token|secret|api[-_ ]?key|one-time-code|otp|pin)/i;
  function secretOf(el) {
    if (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA') return undefined;
    const words = [el.name, el.id, el.getAttribute('autocomplete')]
      .filter(Boolean)
      .join(' ');
    if (el.type !== 'password' && !SECRET_WORDS.test(words)) return undefined;
    const source =
      labelText(el) ||
      el.name ||
      el.id ||
      el.getAttribute('autocomplete') ||
      '';
    let hint = source
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
    if (!hint || /^\d/.test(hint))
      hint = el.type === 'password' ? 'PASSWORD' : 'SECRET';
    return { hint: hint.slice(0, 60) };
  }

  // While record.cjs counts the candidates, the element carries a marker attribute so the
  // worker can find its position among a locator's matches (bindings pass only JSON).
  let reportSeq = 0;
  function send(kind, el, extra) {
    const marker = String(++reportSeq);
    const payload = Object.assign(
      { kind, marker, candidates: candidatesOf(el) },
      extra,
    );
    el.setAttribute(options.markerAttribute, marker);
    const unmark = () => {
      if (el.getAttribute(options.markerAttribute) === marker)
        el.removeAttribute(options.markerAttribute);
    };
    try {
      return Promise.resolve(report(payload)).then(unmark, unmark);
    } catch {
      // The binding is gone when the page is being torn down: nothing to record then.
      unmark();
      return Promise.resolve();
    }
  }

  // A click or a key can change the page at once (a SPA re-renders, a link navigates), so the
  // locators of what the user presses are counted before the press takes effect: on
  // pointerdown, and for keys when record.cjs asks before sending one. The action reported
  // afterwards names that count by its marker. record.cjs awaits `pending` (through
  // PENDING_NAME) before it lets the press go on.
  let prepared = null;
  let pending = Promise.resolve();
  function prepare(el) {
    const marker = String(reportSeq + 1);
    prepared = { el, marker };
    pending = send('prepare', el);
    return pending;
  }
  function preparedMarker(el) {
    const match = prepared && prepared.el === el ? prepared.marker : undefined;
    prepared = null;
    return match === undefined ? {} : { prepared: match };
  }
  Object.defineProperty(window, options.pendingName, {
    value: kind => {
      if (kind === 'focus') {
        let el = document.activeElement;
        if (el && el.shadowRoot && el.shadowRoot.activeElement)
          el = el.shadowRoot.activeElement;
        // The focused frame answers for an iframe's content.
        if (
          el &&
          el.nodeType === 1 &&
          !/^(BODY|HTML|IFRAME|FRAME)$/.test(el.tagName)
        )
          return prepare(el);
        return undefined;
      }
      return pending;
    },
    configurable: false,
    enumerable: false,
  });

  const TEXT_TYPES = new Set([
    'text',
    'email',
    'password',
    'search',
    'tel',
    'url',
    'number',
    'date',
    'time',
    'datetime-local',
    'month',
    'week',
    'color',
  ]);
  const isTextField = el =>
    (el.tagName === 'INPUT' &&
      TEXT_TYPES.has((el.type || 'text').toLowerCase())) ||
    el.tagName === 'TEXTAREA' ||
    el.isContentEditable;
  const valueOf = el => (el.isContentEditable ? el.innerText : el.value);

  // Per field, the value last reported, so leaving an unchanged field reports nothing.
  const dirty = new Map();
  function flushFill(el) {
    if (!dirty.has(el)) return;
    dirty.delete(el);
    const secret = secretOf(el);
    send(
      'fill',
      el,
      secret ? { value: valueOf(el), secret } : { value: valueOf(el) },
    );
  }

  addEventListener(
    'input',
    event => {
      const el = event.composedPath()[0];
      if (el && el.nodeType === 1 && isTextField(el)) dirty.set(el, true);
    },
    true,
  );

  addEventListener(
    'change',
    event => {
      const el = event.composedPath()[0];
      if (!el || el.nodeType !== 1) return;
      if (el.tagName === 'SELECT') {
        send('select', el, {
          values: Array.from(el.selectedOptions).map(o => o.value),
        });
      } else if (
        el.tagName === 'INPUT' &&
        (el.type === 'checkbox' || el.type === 'radio')
      ) {
        send('check', el, { checked: el.checked });
      } else if (el.tagName === 'INPUT' && el.type === 'file') {
        send('upload', el, {
          fileNames: Array.from(el.files || []).map(f => f.name),
        });
      } else if (isTextField(el)) {
        flushFill(el);
      }
    },
    true,
  );

  addEventListener(
    'blur',
    event => {
      const el = event.composedPath()[0];
      if (el && el.nodeType === 1) flushFill(el);
    },
    true,
  );

  addEventListener(
    'keydown',
    event => {
      if (!['Enter', 'Escape', 'Tab'].includes(event.key)) return;
      const el = event.composedPath()[0];
      if (el && el.nodeType === 1) {
        flushFill(el);
        send('press', el, { key: event.key, ...preparedMarker(el) });
      }
    },
    true,
  );

  function modifiersOf(event) {
    const modifiers = [];
    if (event.altKey) modifiers.push('Alt');
    if (event.ctrlKey) modifiers.push('Control');
    if (event.metaKey) modifiers.push('Meta');
    if (event.shiftKey) modifiers.push('Shift');
    return modifiers;
  }

  function pickState(el) {
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    const state = {
      tagName: el.tagName.toLowerCase(),
      visible:
        rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden',
    };
    const text = collapse(el.innerText || el.textContent);
    if (text) state.text = text.slice(0, 500);
    if ('value' in el && typeof el.value === 'string' && !secretOf(el))
      state.value = el.value;
    if (
      el.tagName === 'INPUT' &&
      (el.type === 'checkbox' || el.type === 'radio')
    ) {
      state.checked = el.checked;
    }
    return state;
  }

  // While picking, the whole click gesture is swallowed so the page never sees it.
  function swallowWhilePicking(event) {
    if (!picking) return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }
  for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) {
    addEventListener(type, swallowWhilePicking, true);
  }

  /** Whether a click on `el` is a step of its own. */
  function clickIsStep(el) {
    // Clicks on form fields are implied by the fill/check/select that follows.
    if (
      el.tagName === 'SELECT' ||
      (el.tagName === 'INPUT' &&
        !['button', 'submit', 'reset', 'image'].includes(el.type)) ||
      el.tagName === 'TEXTAREA' ||
      el.tagName === 'OPTION'
    ) {
      return false;
    }
    // A label's click is forwarded to its control, which reports the check itself.
    if (el.tagName === 'LABEL' && el.control) return false;
    if (
      el.tagName === 'LABEL' ||
      (el.closest && el.closest('label') && el.closest('label').control)
    )
      return false;
    return true;
  }

  addEventListener(
    'pointerdown',
    event => {
      if (picking || event.button !== 0) return;
      const el = targetOf(event.composedPath()[0]);
      if (el && clickIsStep(el)) prepare(el);
    },
    true,
  );

  addEventListener(
    'click',
    event => {
      const hit = event.composedPath()[0];
      const el = targetOf(hit);
      if (!el) return;
      if (picking) {
        event.preventDefault();
        event.stopImmediatePropagation();
        // Assertions are about what is hit, not the interactive ancestor.
        const picked = hit.nodeType === 1 ? hit : el;
        send('picked', picked, { state: pickState(picked) });
        return;
      }
      if (!clickIsStep(el)) return;
      send('click', el, {
        button: BUTTON_NAMES[event.button] || 'left',
        clickCount: event.detail || 1,
        modifiers: modifiersOf(event),
        ...preparedMarker(el),
      });
    },
    true,
  );

  // record.cjs toggles picking in every frame through this event (no global function); a new
  // document asks for the current mode.
  addEventListener(options.pickEventName, event => {
    picking = Boolean(event.detail);
  });
  Promise.resolve(report({ kind: 'hello' }))
    .then(state => {
      picking = Boolean(state && state.picking);
    })
    .catch(() => undefined);
};
