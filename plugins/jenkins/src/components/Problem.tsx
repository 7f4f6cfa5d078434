import { Box, Typography } from '@material-ui/core';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import InfoOutlinedIcon from '@material-ui/icons/InfoOutlined';

export type ProblemProps = {
  title: string;
  message: string;
  severity?: 'error' | 'info';
};

/** A clear message in place of data: what went wrong, in the backend's words. */
export function Problem(props: ProblemProps) {
  const { title, message, severity = 'error' } = props;
  return (
    <Box
      role={severity === 'error' ? 'alert' : 'status'}
      display="flex"
      alignItems="flex-start"
      style={{ gap: 8 }}
      p={1.5}
      border={1}
      borderColor={severity === 'error' ? 'error.main' : 'info.main'}
      borderRadius={4}
    >
      {severity === 'error' ? (
        <ErrorOutlineIcon color="error" aria-hidden />
      ) : (
        <InfoOutlinedIcon color="primary" aria-hidden />
      )}
      <Box>
        <Typography variant="subtitle2">{title}</Typography>
        <Typography variant="body2" style={{ wordBreak: 'break-word' }}>
          {message}
        </Typography>
      </Box>
    </Box>
  );
}
