import { Group, Progress, Text } from '@mantine/core';

/** Upload progress of a gateway call (null = nothing being sent); a labelled progress bar. */
export const UploadProgress = ({ value, label }: { value: number | null; label: string }) => {
  if (value === null) return null;
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm">{label}</Text>
        <Text size="sm" c="dimmed">
          {Math.round(value * 100)}%
        </Text>
      </Group>
      <Progress value={value * 100} aria-label={label} animated={value < 1} size="md" />
    </div>
  );
};
