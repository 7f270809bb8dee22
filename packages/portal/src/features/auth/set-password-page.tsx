// Accepting an invitation: the link carries a one-time token; the invited person chooses a password (or,
// for an existing account, confirms its current one) and then signs in.

import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { applyProblem } from '../../lib/forms.js';
import { useAcceptInvitation } from './api/accept-invitation.js';
import { AuthLayout } from './auth-layout.js';

const MIN_PASSWORD_LENGTH = 12;

export const SetPasswordPage = () => {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  const accept = useAcceptInvitation();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: '', password: '', confirm: '' },
    validate: {
      password: (value) =>
        value.length < MIN_PASSWORD_LENGTH ? `Use at least ${MIN_PASSWORD_LENGTH} characters.` : null,
      confirm: (value, values) => (value !== values.password ? 'The two passwords differ.' : null),
    },
  });

  if (token === '') {
    return (
      <AuthLayout title="Set your password">
        <Alert color="red" role="alert">
          This link has no invitation token. Open the complete link you were given, or ask your administrator
          for a new invitation.
        </Alert>
        <Anchor component={Link} to="/sign-in">
          Go to sign-in
        </Anchor>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Set your password"
      subtitle="You were invited to Tessera. Choose a password to finish setting up your account."
    >
      <form
        noValidate
        onSubmit={form.onSubmit((values) => {
          setError(null);
          accept.mutate(
            { token, password: values.password, ...(values.name.trim() ? { name: values.name.trim() } : {}) },
            {
              onSuccess: () => navigate('/sign-in?passwordSet=1', { replace: true }),
              onError: (e) => setError(applyProblem(form, e)),
            },
          );
        })}
      >
        <Stack gap="md">
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
          <TextInput label="Your name" autoComplete="name" {...form.getInputProps('name')} />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_PASSWORD_LENGTH} characters. If you already have an account, enter its current password.`}
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <PasswordInput
            label="Repeat the password"
            autoComplete="new-password"
            required
            {...form.getInputProps('confirm')}
          />
          <Button type="submit" loading={accept.isPending} fullWidth>
            Set password
          </Button>
          <Text size="sm" c="dimmed" ta="center">
            Already set up?{' '}
            <Anchor component={Link} to="/sign-in" size="sm">
              Sign in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
};
