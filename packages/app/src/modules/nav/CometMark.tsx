/** Comet's mark: a bright nucleus with a sweeping tail. */
export const CometMark = ({ size }: { size: number }) => (
  <svg
    width={size}
    height={size}
    viewBox="0 0 64 64"
    role="img"
    style={{ flexShrink: 0 }}
    aria-label="Comet"
    xmlns="http://www.w3.org/2000/svg"
  >
    <defs>
      <linearGradient id="comet-tail" x1="0" y1="1" x2="1" y2="0">
        <stop offset="0" stopColor="#7df3e1" stopOpacity="0" />
        <stop offset="1" stopColor="#7df3e1" />
      </linearGradient>
    </defs>
    <path d="M4 60 L40 18 L46 24 Z" fill="url(#comet-tail)" />
    <path d="M10 58 L38 28 L42 32 Z" fill="url(#comet-tail)" opacity="0.6" />
    <circle cx="45" cy="19" r="13" fill="#ffd166" />
    <circle cx="45" cy="19" r="7" fill="#fff6d5" />
  </svg>
);
