import {
  Box,
  Dialog,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { useArtifactUrl } from '../hooks';

export type ArtifactImageProps = {
  artifactId: string;
  /** What the image shows: its alt text and the enlarged view's title. */
  label: string;
  /** Thumbnail width in pixels. */
  width?: number;
};

/** A screenshot from its signed URL; a click or Enter shows it full size. */
export function ArtifactImage(props: ArtifactImageProps) {
  const { url, error } = useArtifactUrl(props.artifactId);
  const [open, setOpen] = useState(false);
  if (error) {
    return (
      <Typography variant="body2" color="error">
        {props.label}: {error.message}
      </Typography>
    );
  }
  if (!url) {
    return (
      <Box
        width={props.width ?? 160}
        height={90}
        bgcolor="action.hover"
        aria-label={`${props.label} (loading)`}
      />
    );
  }
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        aria-label={`Enlarge ${props.label}`}
        style={{
          padding: 0,
          border: '1px solid #ccc',
          background: 'none',
          cursor: 'zoom-in',
        }}
      >
        <img
          src={url}
          alt={props.label}
          width={props.width ?? 160}
          style={{ display: 'block' }}
        />
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} maxWidth="xl">
        <DialogTitle>{props.label}</DialogTitle>
        <DialogContent>
          <img
            src={url}
            alt={`${props.label}, full size`}
            style={{ maxWidth: '100%' }}
          />
        </DialogContent>
      </Dialog>
    </>
  );
}
