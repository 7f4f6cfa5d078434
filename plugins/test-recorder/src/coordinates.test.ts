import {
  buttonName,
  classifyKey,
  mapToFrame,
  modifiersOf,
} from './coordinates';

describe('mapToFrame', () => {
  it('scales the displayed position to the frame', () => {
    // 1280×720 page drawn at 640×360, offset by the panel
    const box = { left: 100, top: 50, width: 640, height: 360 };
    const frame = { width: 1280, height: 720 };
    expect(mapToFrame(100, 50, box, frame)).toEqual({ x: 0, y: 0 });
    expect(mapToFrame(420, 230, box, frame)).toEqual({ x: 640, y: 360 });
    expect(mapToFrame(101.5, 51.25, box, frame)).toEqual({ x: 3, y: 2.5 });
  });

  it('keeps non-uniform scaling per axis', () => {
    expect(
      mapToFrame(
        50,
        50,
        { left: 0, top: 0, width: 100, height: 200 },
        { width: 390, height: 844 },
      ),
    ).toEqual({ x: 195, y: 211 });
  });

  it('clamps positions outside the view to its edge', () => {
    const box = { left: 10, top: 10, width: 100, height: 100 };
    const frame = { width: 200, height: 100 };
    expect(mapToFrame(0, 0, box, frame)).toEqual({ x: 0, y: 0 });
    expect(mapToFrame(500, 500, box, frame)).toEqual({ x: 199, y: 99 });
  });

  it('answers the origin for a view not laid out yet', () => {
    expect(
      mapToFrame(
        5,
        5,
        { left: 0, top: 0, width: 0, height: 0 },
        { width: 100, height: 100 },
      ),
    ).toEqual({ x: 0, y: 0 });
  });
});

describe('input helpers', () => {
  it('lists held modifiers in a fixed order', () => {
    expect(
      modifiersOf({
        altKey: true,
        ctrlKey: true,
        metaKey: true,
        shiftKey: true,
      }),
    ).toEqual(['Alt', 'Control', 'Meta', 'Shift']);
    expect(
      modifiersOf({
        altKey: false,
        ctrlKey: false,
        metaKey: false,
        shiftKey: false,
      }),
    ).toEqual([]);
  });

  it('names mouse buttons', () => {
    expect([0, 1, 2, 3].map(buttonName)).toEqual([
      'left',
      'middle',
      'right',
      'left',
    ]);
  });

  it('inserts printable text and sends shortcuts and special keys as keys', () => {
    const key = (
      k: string,
      mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey', boolean>> = {},
    ) =>
      classifyKey({
        key: k,
        ctrlKey: false,
        metaKey: false,
        altKey: false,
        ...mods,
      });
    expect(key('a')).toBe('text');
    expect(key('é')).toBe('text');
    expect(key(' ')).toBe('text');
    expect(key('Enter')).toBe('key');
    expect(key('ArrowLeft')).toBe('key');
    expect(key('a', { ctrlKey: true })).toBe('key');
    expect(key('v', { metaKey: true })).toBe('key');
  });
});
