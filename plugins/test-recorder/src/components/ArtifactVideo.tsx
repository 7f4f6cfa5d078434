import { Typography } from '@material-ui/core';
import { useArtifactUrl } from '../hooks';

export type ArtifactVideoProps = { artifactId: string; label: string };

/** A test's video, played from its signed URL. */
export function ArtifactVideo(props: ArtifactVideoProps) {
  const { url, error } = useArtifactUrl(props.artifactId);
  if (error) {
    return (
      <Typography variant="body2" color="error">
        The video cannot be shown: {error.message}
      </Typography>
    );
  }
  if (!url) return <Typography variant="body2">Loading the video…</Typography>;
  return (
    <video
      controls
      src={url}
      aria-label={props.label}
      style={{ maxWidth: '100%' }}
    >
      <track kind="captions" />
    </video>
  );
}
